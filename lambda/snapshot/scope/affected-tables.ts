import type { Executor } from '../../driver/driver';
import type { TableName } from '../keys';
import type { TouchedRelation } from './migration-touches';

export interface AffectedTables {
  /** Tables of the snapshot's schemas to export, ordered by schema and name. */
  readonly tables: TableName[];
  /** Relations no existing relation answers to (created by the pending migrations themselves: nothing to save). */
  readonly notFound: TouchedRelation[];
  /** Affected tables outside the snapshot's schemas (not exported, as in the full scope). */
  readonly outside: TableName[];
}

/**
 * The tables a snapshot of scope `affected` exports, from the relations the pending migrations touch
 * (one catalog statement):
 *
 * 1. each relation resolved as PostgreSQL would (`to_regclass`, the search path for an unqualified
 *    name): a table (a partition stands for its partitioned root), an index for its table, a sequence for
 *    the tables that own it or draw from it in a default; views and others stand for nothing;
 * 2. every table that references those through foreign keys, transitively (their rows can change with
 *    the parent's by cascades, and restoring a table empties the tables that reference it);
 * 3. every table those reference, transitively (so that the snapshot restores on its own into an
 *    empty database, foreign keys intact).
 *
 * @returns the tables within `schemas`, those outside, and the relations that do not exist
 */
export async function affectedTables(executor: Executor, touched: readonly TouchedRelation[], schemas: readonly string[]): Promise<AffectedTables> {
  if (touched.length === 0) return { tables: [], notFound: [], outside: [] };
  const { rows } = await executor.execute<{ schema: string | null; name: string; found: boolean; table_schema: string | null; table_name: string | null }>(
    `WITH RECURSIVE input AS (
       SELECT r->>0 AS schema, r->>1 AS name,
              to_regclass(CASE WHEN r->>0 IS NULL THEN quote_ident(r->>1) ELSE quote_ident(r->>0) || '.' || quote_ident(r->>1) END) AS oid
         FROM json_array_elements(:relations::json) AS r
     ), base AS (
       SELECT coalesce(pg_partition_root(c.oid), c.oid) AS oid FROM input i JOIN pg_catalog.pg_class c ON c.oid = i.oid AND c.relkind IN ('r', 'p')
       UNION SELECT coalesce(pg_partition_root(x.indrelid), x.indrelid) FROM input i JOIN pg_catalog.pg_index x ON x.indexrelid = i.oid
       UNION SELECT coalesce(pg_partition_root(d.refobjid), d.refobjid) FROM input i
               JOIN pg_catalog.pg_depend d ON d.objid = i.oid AND d.classid = 'pg_catalog.pg_class'::regclass
                AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
       UNION SELECT coalesce(pg_partition_root(ad.adrelid), ad.adrelid) FROM input i
               JOIN pg_catalog.pg_depend d ON d.refobjid = i.oid AND d.classid = 'pg_catalog.pg_attrdef'::regclass AND d.refclassid = 'pg_catalog.pg_class'::regclass
               JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
     ), fk AS (
       SELECT coalesce(pg_partition_root(conrelid), conrelid) AS child, coalesce(pg_partition_root(confrelid), confrelid) AS parent
         FROM pg_catalog.pg_constraint WHERE contype = 'f'
     ), down(oid) AS (
       SELECT oid FROM base UNION SELECT fk.child FROM fk JOIN down ON fk.parent = down.oid
     ), up(oid) AS (
       SELECT oid FROM down UNION SELECT fk.parent FROM fk JOIN up ON fk.child = up.oid
     )
     SELECT NULL AS schema, NULL AS name, true AS found, n.nspname AS table_schema, c.relname AS table_name
       FROM up JOIN pg_catalog.pg_class c ON c.oid = up.oid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     UNION ALL
     SELECT schema, name, false, NULL, NULL FROM input WHERE oid IS NULL
     ORDER BY 4, 5`,
    { relations: JSON.stringify(touched.map((r) => [r.schema ?? null, r.name])) },
  );
  const tables: TableName[] = [];
  const outside: TableName[] = [];
  const notFound: TouchedRelation[] = [];
  for (const row of rows) {
    if (!row.found) notFound.push(row.schema === null ? { name: row.name } : { schema: row.schema, name: row.name });
    else (schemas.includes(row.table_schema!) ? tables : outside).push({ schema: row.table_schema!, table: row.table_name! });
  }
  return { tables, notFound, outside };
}
