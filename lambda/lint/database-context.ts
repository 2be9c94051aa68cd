import type { Executor, SqlParams } from '../driver/driver';
import { relationSql, type RelationRef } from './relation-name';
import { parseTypeName } from './sql-parser';
import { typeSpecOf, type TypeSpec } from './type-spec';

/**
 * What the linter reads from the target database, through the driver contract (so it works over
 * the Data API and `pg` alike: named scalar parameters, one statement per call, small results).
 * Names are resolved with `to_regclass`, i.e. through the connection's search_path as the migration
 * itself would be.
 */

/** Relations per query: 100 names keep each call far below the Data API's 65,536-character SQL limit. */
const BATCH = 100;

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

interface SizeRow {
  readonly [column: string]: number | string | null;
  readonly i: number;
  readonly kind: string | null;
  readonly reltuples: number | null;
  readonly relpages: number | null;
  readonly pages: number | null;
}

/**
 * The planner's row estimate for a relation (PostgreSQL's `estimate_rel_size`, simplified):
 * `pg_class.reltuples` scaled by the relation's current size in pages over `relpages` (the size
 * when reltuples was measured), so a table that grew since its last ANALYZE is not taken as small.
 * A relation never analyzed (reltuples = -1, PostgreSQL 14+) counts as 0 rows when it has no pages
 * and as unknown otherwise; partitioned tables and indexes use reltuples as is.
 */
export function estimateRows(row: Pick<SizeRow, 'kind' | 'reltuples' | 'relpages' | 'pages'>): number | null {
  const { kind, reltuples, relpages, pages } = row;
  if (kind === null || reltuples === null) return null;
  if (kind === 'p' || kind === 'I') return reltuples >= 0 ? reltuples : null;
  const currentPages = pages ?? 0;
  if (reltuples >= 0 && relpages !== null && relpages > 0) return Math.round((reltuples / relpages) * currentPages);
  return currentPages === 0 ? 0 : null;
}

/**
 * Estimated rows of each relation (tables or indexes), null when it does not exist or its size is
 * unknown. Runs one query per 100 relations.
 * @throws {DatabaseError | DriverError} from the driver
 */
export async function readTableSizes(executor: Executor, relations: readonly RelationRef[]): Promise<Array<number | null>> {
  const sizes: Array<number | null> = [];
  for (const batch of batches(relations)) {
    const params: Record<string, string | number> = {};
    const values = batch.map((relation, i) => {
      params[`r${i}`] = relationSql(relation);
      return `(${i}, :r${i}::text)`;
    });
    const { rows } = await executor.execute<SizeRow>(
      `SELECT r.i AS i, c.relkind::text AS kind, c.reltuples::float8 AS reltuples, c.relpages::float8 AS relpages,
              CASE WHEN c.oid IS NULL THEN NULL
                   ELSE pg_relation_size(c.oid)::float8 / current_setting('block_size')::float8 END AS pages
         FROM (VALUES ${values.join(', ')}) AS r(i, name)
         LEFT JOIN pg_class c ON c.oid = to_regclass(r.name)
        ORDER BY r.i`,
      params as SqlParams,
    );
    const byIndex = new Map(rows.map((row) => [Number(row.i), estimateRows(row)]));
    batch.forEach((_, i) => sizes.push(byIndex.get(i) ?? null));
  }
  return sizes;
}

interface TypeRow {
  readonly [column: string]: number | string | null;
  readonly i: number;
  readonly type: string;
}

/**
 * The current type of each column (undefined when the table or column does not exist), from
 * `format_type(atttypid, atttypmod)` parsed back with the PostgreSQL parser. Runs one query per 100 columns.
 * @throws {DatabaseError | DriverError} from the driver
 */
export async function readColumnTypes(
  executor: Executor,
  columns: ReadonlyArray<{ readonly table: RelationRef; readonly column: string }>,
): Promise<Array<TypeSpec | undefined>> {
  const types: Array<TypeSpec | undefined> = [];
  for (const batch of batches(columns)) {
    const params: Record<string, string | number> = {};
    const values = batch.map(({ table, column }, i) => {
      params[`t${i}`] = relationSql(table);
      params[`c${i}`] = column;
      return `(${i}, :t${i}::text, :c${i}::text)`;
    });
    const { rows } = await executor.execute<TypeRow>(
      `SELECT r.i AS i, format_type(a.atttypid, a.atttypmod) AS type
         FROM (VALUES ${values.join(', ')}) AS r(i, tbl, col)
         JOIN pg_attribute a ON a.attrelid = to_regclass(r.tbl) AND a.attname = r.col AND a.attnum > 0 AND NOT a.attisdropped`,
      params as SqlParams,
    );
    const byIndex = new Map(rows.map((row) => [Number(row.i), typeSpecOf(parseTypeName(row.type))]));
    batch.forEach((_, i) => types.push(byIndex.get(i)));
  }
  return types;
}
