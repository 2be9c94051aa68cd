import type { Driver } from '../../driver/driver';
import { withTransaction } from '../../driver/transaction';
import { quoteIdentifier } from '../identifier';
import { createHistoryTableSql, createLockTableSql, historyTables, type HistoryOptions } from './tables';

interface Presence extends Record<string, boolean> {
  schema_exists: boolean;
  history_exists: boolean;
  lock_exists: boolean;
}

const PRESENCE_SQL = `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :schema) AS schema_exists,
  to_regclass(:history) IS NOT NULL AS history_exists,
  to_regclass(:lock) IS NOT NULL AS lock_exists`;

/**
 * Creates the schema history schema and tables (schema history and lock lease) when missing.
 *
 * Idempotent and safe when several runners call it at once: when anything is missing, the creation runs
 * in one transaction that first takes a transaction-level advisory lock (`pg_advisory_xact_lock`, released
 * at commit, so no session state outlives the call as the Data API requires), then re-checks and creates
 * only what is still missing. Concurrent `CREATE ... IF NOT EXISTS` alone can fail with a unique violation
 * on the catalogs. Only missing objects are created, so a role without CREATE on the database works
 * when an administrator created the schema beforehand.
 *
 * Cost: one call when everything exists; a short transaction otherwise.
 * @throws {Error} when `historySchema` is not a valid identifier
 * @throws {DatabaseError} when the role may not create the schema or tables (SQLSTATE 42501)
 */
export async function ensureSchemaHistory(db: Driver, options: HistoryOptions = {}): Promise<void> {
  const tables = historyTables(options.historySchema);
  const params = { schema: tables.schema, history: tables.history, lock: tables.lock };
  const check = await db.execute<Presence>(PRESENCE_SQL, params);
  const before = check.rows[0];
  if (before?.history_exists && before.lock_exists) return;

  await withTransaction(db, async (tx) => {
    await tx.execute(`SELECT pg_advisory_xact_lock(hashtext(:key))::text AS locked`, { key: `rds-migrate:ensure:${tables.schema}` });
    const { rows } = await tx.execute<Presence>(PRESENCE_SQL, params);
    const now = rows[0];
    if (!now?.schema_exists) await tx.execute(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(tables.schema)}`);
    if (!now?.history_exists) await tx.execute(createHistoryTableSql(tables));
    if (!now?.lock_exists) await tx.execute(createLockTableSql(tables));
  });
}
