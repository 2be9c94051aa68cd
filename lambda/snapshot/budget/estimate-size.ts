import type { Executor } from '../../driver/driver';
import type { TableName } from '../keys';

/** PostgreSQL's idea of a table's size, before anything is read. */
export interface TableEstimate extends TableName {
  /** `pg_table_size` (heap, TOAST, free space and visibility maps) of the table, or of its partitions, in bytes. */
  readonly bytes: number;
  /** `pg_class.reltuples` (of its partitions), rows; 0 when never vacuumed or analysed. */
  readonly rows: number;
}

export interface SnapshotEstimate {
  readonly tables: TableEstimate[];
  /** Sum of the tables' bytes. */
  readonly bytes: number;
  /** Sum of the tables' rows. */
  readonly rows: number;
}

/**
 * Estimates what a snapshot will read, from the catalog alone (PostgreSQL docs, 53.11 "pg_class", and
 * 9.27.7 "Database Object Management Functions"): per table its on-disk size (`pg_table_size`, which
 * includes TOAST, so wide values count) and row estimate (`reltuples`, kept by VACUUM and ANALYZE), a
 * partitioned table as the sum of its leaf partitions. One statement; no table is scanned.
 *
 * @param tables the tables to estimate, or undefined for every table of `schemas` (as `listSnapshotTables` finds them)
 */
export async function estimateSnapshot(executor: Executor, schemas: readonly string[], tables?: readonly TableName[]): Promise<SnapshotEstimate> {
  const { rows } = await executor.execute<{ schema: string; table: string; bytes: string; rows: string }>(
    `WITH chosen AS (
       SELECT c.oid, c.relkind, n.nspname AS schema, c.relname AS table
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't' AND NOT c.relispartition
          AND n.nspname IN (SELECT json_array_elements_text(:schemas::json))
          AND (:tables::json IS NULL OR json_build_array(n.nspname, c.relname)::jsonb IN (SELECT jsonb_array_elements(:tables::jsonb)))
     )
     SELECT ch.schema, ch.table,
            coalesce(sum(pg_table_size(pc.oid)), 0)::int8::text AS bytes,
            coalesce(sum(greatest(pc.reltuples, 0)), 0)::int8::text AS rows
       FROM chosen ch
       -- A plain table is its own leaf; pg_partition_tree lists a partitioned table's leaves.
       LEFT JOIN LATERAL (
         SELECT ch.oid AS relid WHERE ch.relkind = 'r'
         UNION ALL SELECT t.relid FROM pg_partition_tree(ch.oid) AS t WHERE ch.relkind = 'p' AND t.isleaf
       ) AS leaf ON true
       LEFT JOIN pg_catalog.pg_class pc ON pc.oid = leaf.relid
      GROUP BY ch.schema, ch.table
      ORDER BY 1, 2`,
    { schemas: JSON.stringify(schemas), tables: tables ? JSON.stringify(tables.map((t) => [t.schema, t.table])) : null },
  );
  const estimates = rows.map((r) => ({ schema: r.schema, table: r.table, bytes: Number(r.bytes), rows: Number(r.rows) }));
  return {
    tables: estimates,
    bytes: estimates.reduce((sum, t) => sum + t.bytes, 0),
    rows: estimates.reduce((sum, t) => sum + t.rows, 0),
  };
}
