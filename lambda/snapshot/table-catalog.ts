import type { Executor } from '../driver/driver';
import type { TableName } from './keys';
import type { ManifestColumn } from './manifest';

/** A table to export, as read from the PostgreSQL catalog. */
export interface SnapshotTable extends TableName {
  /** `partitioned` tables are read through the parent, which returns the rows of every partition. */
  readonly kind: 'table' | 'partitioned';
  /** Columns to export in table order: not dropped, not generated (`attgenerated = ''`). */
  readonly columns: ManifestColumn[];
  /**
   * The key rows are paged by: the primary key, else the unique index (not partial, no expressions)
   * with the fewest columns that are all NOT NULL; `null` when there is neither (paged by ctid).
   */
  readonly key: ManifestColumn[] | null;
  /** Whether the table has generated columns (then the exported columns are listed one by one). */
  readonly hasGeneratedColumns: boolean;
  /**
   * Whether `row_to_json` of a row may hold a raw line break: a column is `json` (its text kept as written,
   * whitespace included), or of a type that could hold one (a composite or domain type, or an array of
   * those). Every other type's JSON rendering escapes line breaks (`\n`), so the export skips the
   * replacement of line breaks for such tables (`page-query.ts`), which yields the same bytes.
   * @default true (replace)
   */
  readonly mayHoldLineBreaks?: boolean;
}

/**
 * SQL condition: `row_to_json` may render a value of the type `typeOid` (an SQL expression) with a raw line
 * break. True for `json` (its text kept as written), composite and domain types (they may hold `json`), a
 * type not built in (oid from 16384, `FirstNormalObjectId`) with a cast to `json` (`row_to_json` renders it
 * through the cast, PostgreSQL docs, 9.16 `to_json`), and arrays of any of these. Every other type's
 * rendering escapes line breaks as `\n` in JSON strings.
 */
export function mayRenderLineBreaks(typeOid: string): string {
  return `EXISTS (
             SELECT 1 FROM pg_catalog.pg_type ty
               LEFT JOIN pg_catalog.pg_type el ON el.oid = ty.typelem AND ty.typcategory = 'A'
              CROSS JOIN LATERAL (VALUES (ty.oid), (el.oid)) AS v(oid)
              WHERE ty.oid = ${typeOid} AND v.oid IS NOT NULL
                AND (v.oid = 'pg_catalog.json'::regtype
                     OR EXISTS (SELECT 1 FROM pg_catalog.pg_type vt WHERE vt.oid = v.oid AND vt.typtype IN ('c', 'd'))
                     OR (v.oid >= 16384 AND EXISTS (
                           SELECT 1 FROM pg_catalog.pg_cast ca WHERE ca.castsource = v.oid AND ca.casttarget = 'pg_catalog.json'::regtype))))`;
}

interface CatalogRow {
  [column: string]: string;
  schema: string;
  table: string;
  relkind: string;
  columns: string;
  key: string;
  has_generated: string;
  line_breaks: string;
}

/**
 * Tables, and partitioned tables, of `schemas`, ordered by schema then name. A partition is left out
 * when one of its ancestors (`pg_partition_ancestors`, PostgreSQL 12+) is exported, since its rows come
 * through that ancestor; a partition whose ancestors all live in schemas that are not exported is
 * exported on its own. Each row is therefore exported exactly once. Views, materialized views
 * (they are recomputed), foreign tables (the data lives elsewhere), sequences and temporary tables are
 * not exported. Children of (old style) inheritance are separate tables; the parent is read with `ONLY`.
 *
 * `schemas` is passed as one JSON parameter because the Data API rejects array parameters.
 * @throws {Error} naming the schemas that do not exist
 */
export async function listSnapshotTables(executor: Executor, schemas: readonly string[]): Promise<SnapshotTable[]> {
  const schemasJson = JSON.stringify(schemas);
  const missing = await executor.execute<{ name: string }>(
    `SELECT s AS name FROM json_array_elements_text(:schemas::json) AS s
      WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = s)`,
    { schemas: schemasJson },
  );
  if (missing.rows.length > 0) {
    const names = missing.rows.map((r) => JSON.stringify(r.name)).join(', ');
    throw new Error(`schemas: no schema named ${names} in the database`);
  }
  const { rows } = await executor.execute<CatalogRow>(
    `WITH wanted AS (SELECT json_array_elements_text(:schemas::json) AS nspname)
     SELECT n.nspname AS schema, c.relname AS table, c.relkind::text AS relkind,
            coalesce((
              SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
                FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ), '[]')::text AS columns,
            coalesce((
              SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY k.ord)
                FROM pg_catalog.pg_constraint con
                CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
               WHERE con.conrelid = c.oid AND con.contype = 'p'
            ), (
              SELECT json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY k.ord)
                FROM (
                  SELECT i.indexrelid, i.indkey, i.indnkeyatts
                    FROM pg_catalog.pg_index i
                   WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
                     AND NOT EXISTS (
                       SELECT 1 FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS u(attnum, ord)
                         JOIN pg_catalog.pg_attribute ua ON ua.attrelid = c.oid AND ua.attnum = u.attnum
                        WHERE u.ord <= i.indnkeyatts AND NOT ua.attnotnull)
                   ORDER BY i.indnkeyatts, i.indexrelid
                   LIMIT 1
                ) AS best
                CROSS JOIN LATERAL unnest(best.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
               WHERE k.ord <= best.indnkeyatts
            ), 'null')::text AS key,
            EXISTS (
              SELECT 1 FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated <> ''
            )::text AS has_generated,
            EXISTS (
              SELECT 1 FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                 AND ${mayRenderLineBreaks('a.atttypid')}
            )::text AS line_breaks
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname IN (SELECT nspname FROM wanted)
        AND c.relkind IN ('r', 'p')
        AND c.relpersistence <> 't'
        AND NOT (c.relispartition AND EXISTS (
              SELECT 1 FROM pg_partition_ancestors(c.oid) AS anc(relid)
                JOIN pg_catalog.pg_class ac ON ac.oid = anc.relid
                JOIN pg_catalog.pg_namespace an ON an.oid = ac.relnamespace
               WHERE anc.relid <> c.oid AND an.nspname IN (SELECT nspname FROM wanted)))
      ORDER BY n.nspname, c.relname`,
    { schemas: schemasJson },
  );
  return rows.map((row) => ({
    schema: row.schema,
    table: row.table,
    kind: row.relkind === 'p' ? 'partitioned' : 'table',
    columns: JSON.parse(row.columns) as ManifestColumn[],
    key: JSON.parse(row.key) as ManifestColumn[] | null,
    hasGeneratedColumns: row.has_generated === 'true',
    mayHoldLineBreaks: row.line_breaks === 'true',
  }));
}
