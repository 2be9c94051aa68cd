import type { Executor } from '../../lambda/driver/driver';

/**
 * PostgreSQL's estimate of the rows in the ordinary tables of `schemas` (partitions included):
 * the sum of `pg_class.reltuples`, kept by VACUUM, ANALYZE and CREATE INDEX (PostgreSQL docs,
 * 53.11 "pg_class"). Tables never analyzed (`reltuples` -1) count 0. Used as the total of the
 * snapshot progress bar; one catalog query, no table is read.
 * @returns the estimate in rows, or undefined when it is 0 (nothing known: no bar, no ETA)
 */
export async function estimateRows(db: Executor, schemas: readonly string[]): Promise<number | undefined> {
  const { rows } = await db.execute<{ rows: string | null }>(
    `SELECT sum(greatest(c.reltuples, 0))::bigint::text AS rows
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname IN (SELECT json_array_elements_text(:schemas::json))`,
    { schemas: JSON.stringify(schemas) },
  );
  const estimate = Number(rows[0]?.rows ?? 0);
  return estimate > 0 ? estimate : undefined;
}
