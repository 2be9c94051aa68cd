import type { Executor } from '../../driver/driver';
import type { TableName } from '../keys';
import type { ManifestTable } from '../manifest';
import { mayRenderLineBreaks } from '../table-catalog';
import { exactTextSql } from './exact-text-types';

/** A column of a target table, as the restore needs to know it. */
export interface TargetColumn {
  readonly name: string;
  /** `format_type(atttypid, atttypmod)`. */
  readonly type: string;
  /** Generated (`attgenerated`): PostgreSQL computes it, the snapshot does not hold it. */
  readonly generated: boolean;
  /** NOT NULL without a default or identity: a row must give it. */
  readonly required: boolean;
  /** Its type reads its text form back to the same value (`exact-text-types.ts`). */
  readonly exactText: boolean;
}

/** A snapshot table as the target database has it. */
export interface TargetTable extends TableName {
  readonly kind: 'table' | 'partitioned';
  readonly columns: TargetColumn[];
  /** Names of enabled user (non-internal) triggers: disabled while the table is loaded. */
  readonly userTriggers: string[];
  /**
   * True when a column is `json` (its text kept as written), or of a type whose values could hold one (a
   * composite or domain type, or an array of those): rows are then read through `json`, not `jsonb`
   * (`load-table.ts`).
   */
  readonly keepsJsonText: boolean;
  /** True when a column's `row_to_json` rendering may hold a raw line break (`mayRenderLineBreaks`, `table-catalog.ts`). */
  readonly mayHoldLineBreaks: boolean;
}

/** A foreign key between two relations, both mapped to the tables they belong to (a partition to its root). */
export interface ForeignKey {
  /** The constraint as declared on the referencing table (the root's, for a partitioned table). */
  readonly name: string;
  /** The referencing table. */
  readonly from: TableName;
  /** The referenced table. */
  readonly to: TableName;
  readonly deferrable: boolean;
}

export interface TargetCatalog {
  /** The snapshot tables the database has, by `schema.table` key (see {@link tableKey}). */
  readonly tables: Map<string, TargetTable>;
  /** Foreign keys whose referenced table is a snapshot table (the referencing one may be any table). */
  readonly foreignKeys: ForeignKey[];
}

/** A map key for a table: its JSON `[schema, table]`. */
export const tableKey = (t: TableName): string => JSON.stringify([t.schema, t.table]);

/**
 * Reads what the restore needs to know of the target database about the snapshot's tables, in two
 * catalog statements: each table's kind, columns and enabled user triggers; and every foreign key that
 * references one of them, with partitions mapped to their partitioned root (`pg_partition_root`,
 * PostgreSQL 12+) and the constraints PostgreSQL clones onto partitions (`conparentid` set) left out.
 */
export async function readTargetCatalog(executor: Executor, tables: readonly ManifestTable[]): Promise<TargetCatalog> {
  const wanted = JSON.stringify(tables.map((t) => [t.schema, t.table]));
  const described = await executor.execute<{ schema: string; table: string; relkind: string; columns: string; triggers: string; keeps_json: boolean; line_breaks: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS table, c.relkind::text AS relkind,
            coalesce((SELECT json_agg(json_build_object(
                        'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'generated', a.attgenerated <> '',
                        'required', a.attnotnull AND NOT a.atthasdef AND a.attidentity = '',
                        'exactText', ${exactTextSql('a.atttypid')}) ORDER BY a.attnum)
                        FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '[]')::text AS columns,
            coalesce((SELECT json_agg(tg.tgname ORDER BY tg.tgname) FROM pg_catalog.pg_trigger tg
                       WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal AND tg.tgenabled <> 'D'), '[]')::text AS triggers,
            EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                      JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
                      LEFT JOIN pg_catalog.pg_type el ON el.oid = ty.typelem AND ty.typcategory = 'A'
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND (ty.oid = 'pg_catalog.json'::regtype OR ty.typtype IN ('c', 'd')
                            OR el.oid = 'pg_catalog.json'::regtype OR el.typtype IN ('c', 'd'))) AS keeps_json,
            EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND ${mayRenderLineBreaks('a.atttypid')}) AS line_breaks
       FROM json_array_elements(:tables::json) AS w
       JOIN pg_catalog.pg_namespace n ON n.nspname = w->>0
       JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w->>1 AND c.relkind IN ('r', 'p')`,
    { tables: wanted },
  );
  const result = new Map<string, TargetTable>();
  for (const row of described.rows) {
    result.set(tableKey(row), {
      schema: row.schema,
      table: row.table,
      kind: row.relkind === 'p' ? 'partitioned' : 'table',
      columns: JSON.parse(row.columns) as TargetColumn[],
      userTriggers: JSON.parse(row.triggers) as string[],
      keepsJsonText: row.keeps_json,
      mayHoldLineBreaks: row.line_breaks,
    });
  }
  const keys = await executor.execute<{ name: string; from_schema: string; from_table: string; to_schema: string; to_table: string; deferrable: boolean }>(
    `WITH wanted AS (
       SELECT c.oid FROM json_array_elements(:tables::json) AS w
         JOIN pg_catalog.pg_namespace n ON n.nspname = w->>0
         JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = w->>1
     ), root AS (
       SELECT con.conname, con.condeferrable,
              coalesce(pg_partition_root(con.conrelid), con.conrelid) AS from_oid,
              coalesce(pg_partition_root(con.confrelid), con.confrelid) AS to_oid
         FROM pg_catalog.pg_constraint con
        WHERE con.contype = 'f' AND con.conparentid = 0
     )
     SELECT DISTINCT r.conname AS name, fn.nspname AS from_schema, f.relname AS from_table, tn.nspname AS to_schema, t.relname AS to_table,
            r.condeferrable AS deferrable
       FROM root r
       JOIN pg_catalog.pg_class f ON f.oid = r.from_oid JOIN pg_catalog.pg_namespace fn ON fn.oid = f.relnamespace
       JOIN pg_catalog.pg_class t ON t.oid = r.to_oid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
      WHERE r.to_oid IN (SELECT oid FROM wanted)
      ORDER BY 2, 3, 1`,
    { tables: wanted },
  );
  return {
    tables: result,
    foreignKeys: keys.rows.map((k) => ({
      name: k.name,
      from: { schema: k.from_schema, table: k.from_table },
      to: { schema: k.to_schema, table: k.to_table },
      deferrable: k.deferrable,
    })),
  };
}

/**
 * What keeps the target database from taking the snapshot's tables, one message each (empty: nothing):
 * a table missing or of another kind, a snapshot column the table lacks or now generates, a required
 * column (NOT NULL, no default) the snapshot does not hold, a table outside the snapshot whose foreign
 * key references a snapshot table (restoring must empty the referenced table, which PostgreSQL refuses
 * while another table references it, and it could leave that table's rows dangling).
 */
export function restoreObstacles(catalog: TargetCatalog, tables: readonly ManifestTable[]): string[] {
  const problems: string[] = [];
  const inSnapshot = new Set(tables.map(tableKey));
  const name = (t: TableName) => `"${t.schema}"."${t.table}"`;
  for (const table of tables) {
    const target = catalog.tables.get(tableKey(table));
    if (!target) {
      problems.push(`table ${name(table)} does not exist`);
      continue;
    }
    if (target.kind !== table.kind) problems.push(`table ${name(table)} is ${target.kind === 'partitioned' ? 'partitioned' : 'not partitioned'}, the snapshot's was${table.kind === 'partitioned' ? '' : ' not'}`);
    const columns = new Map(target.columns.map((c) => [c.name, c]));
    for (const column of table.columns) {
      const found = columns.get(column.name);
      if (!found) problems.push(`table ${name(table)} has no column "${column.name}"`);
      else if (found.generated) problems.push(`column "${column.name}" of ${name(table)} is generated now`);
    }
    const held = new Set(table.columns.map((c) => c.name));
    for (const column of target.columns) {
      if (column.required && !held.has(column.name)) problems.push(`column "${column.name}" of ${name(table)} is NOT NULL without a default and the snapshot has no values for it`);
    }
  }
  for (const key of catalog.foreignKeys) {
    if (!inSnapshot.has(tableKey(key.from))) {
      problems.push(`table ${name(key.from)} is not in the snapshot but references ${name(key.to)} (foreign key "${key.name}")`);
    }
  }
  return problems;
}

/**
 * The sequences of `sequences` the database does not have (`to_regclass` is NULL), as `"schema"."name"`:
 * the restore could not reset them.
 */
export async function missingSequences(executor: Executor, sequences: readonly { schema: string; name: string }[]): Promise<string[]> {
  if (sequences.length === 0) return [];
  const { rows } = await executor.execute<{ name: string }>(
    `SELECT format('%I.%I', s->>0, s->>1) AS name
       FROM json_array_elements(:sequences::json) AS s
      WHERE to_regclass(format('%I.%I', s->>0, s->>1)) IS NULL`,
    { sequences: JSON.stringify(sequences.map((s) => [s.schema, s.name])) },
  );
  return rows.map((r) => r.name);
}
