import type { Driver } from '../../driver/driver';
import { withTransaction } from '../../driver/transaction';
import { quoteIdentifier } from '../../driver/quote-identifier';
import { resendable, type TransientRetryOptions } from '../run/transient';
import { silentLog, type Log } from '../../observability/log';
import { commitCheckSql, HISTORY_TABLE_MARKER } from './commit-check';
import {
  createHistoryTableSql,
  createLockTableSql,
  createProgressTableSql,
  historyTables,
  upgradeHistoryTypesSql,
  type HistoryOptions,
} from './tables';

interface Presence extends Record<string, boolean> {
  schema_exists: boolean;
  history_current: boolean;
  lock_exists: boolean;
  progress_exists: boolean;
}

const PRESENCE_SQL = `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :schema) AS schema_exists,
  coalesce(obj_description(to_regclass(:history), 'pg_class') = :marker, false) AS history_current,
  to_regclass(:lock) IS NOT NULL AS lock_exists,
  to_regclass(:progress) IS NOT NULL AS progress_exists`;

export interface EnsureOptions extends HistoryOptions {
  /** Retries of calls that fail transiently (`run/transient.ts`). */
  readonly transientRetry?: TransientRetryOptions;
  readonly log?: Log;
}

/**
 * Creates the bookkeeping when missing or out of date: the schema, the schema history, the lock
 * lease, the backfill progress table, and the commit-time fence (`commit-check.ts`); a schema history
 * created by an earlier engine gets the current type check (`upgradeHistoryTypesSql`).
 *
 * Idempotent and safe when several runners call it at once: when anything is missing, the creation runs
 * in one transaction that first takes a transaction-level advisory lock (`pg_advisory_xact_lock`, released
 * at commit, so no session state outlives the call as the Data API requires), then re-checks and creates
 * only what is still missing. Concurrent `CREATE ... IF NOT EXISTS` alone can fail with a unique violation
 * on the catalogs. A role without CREATE on the database works when an administrator created the
 * schema beforehand. Being idempotent, the whole of it is run again after a transient failure.
 *
 * Cost: one call when everything exists; a short transaction otherwise.
 * @throws {Error} when `historySchema` is not a valid identifier
 * @throws {DatabaseError} when the role may not create the schema, tables or function (SQLSTATE 42501)
 */
export async function ensureSchemaHistory(db: Driver, options: EnsureOptions = {}): Promise<void> {
  const tables = historyTables(options.historySchema);
  const params = { schema: tables.schema, history: tables.history, lock: tables.lock, progress: tables.progress, marker: HISTORY_TABLE_MARKER };
  const complete = (p: Presence | undefined): boolean => Boolean(p?.history_current && p.lock_exists && p.progress_exists);
  await resendable('create the schema history', options.transientRetry, options.log ?? silentLog, async () => {
    const check = await db.execute<Presence>(PRESENCE_SQL, params);
    if (complete(check.rows[0])) return;
    await withTransaction(db, async (tx) => {
      await tx.execute(`SELECT pg_advisory_xact_lock(hashtext(:key))::text AS locked`, { key: `rds-migrate:ensure:${tables.schema}` });
      const { rows } = await tx.execute<Presence>(PRESENCE_SQL, params);
      const now = rows[0];
      if (complete(now)) return;
      if (!now?.schema_exists) await tx.execute(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(tables.schema)}`);
      await tx.execute(createHistoryTableSql(tables));
      if (!now?.lock_exists) await tx.execute(createLockTableSql(tables));
      if (!now?.progress_exists) await tx.execute(createProgressTableSql(tables));
      await tx.execute(upgradeHistoryTypesSql(tables));
      for (const sql of commitCheckSql(tables)) await tx.execute(sql);
    });
  });
}
