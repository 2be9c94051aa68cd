import type { Driver } from '../../driver/driver';
import { quoteIdentifier } from '../../driver/quote-identifier';
import { sqlLiteral } from '../plan/fold';
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
  type HistoryTables,
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

/**
 * The creation as ONE statement, a DO block (a statement outside a transaction block is a transaction
 * of its own, PostgreSQL docs 3.4 "Transactions"; one Data API call instead of a transaction of 15):
 * takes the advisory lock, checks again what exists, and creates what is missing with the same
 * statements, run with EXECUTE.
 * @returns undefined when no dollar-quote tag fits (a statement contains every candidate)
 */
export function creationBlock(tables: HistoryTables): string | undefined {
  const run = (sql: string): string => `  EXECUTE ${sqlLiteral(sql)};`;
  const body = `DECLARE
  rds_schema_exists boolean;
  rds_history_current boolean;
  rds_lock_exists boolean;
  rds_progress_exists boolean;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(${sqlLiteral(`rds-migrate:ensure:${tables.schema}`)}));
  SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${sqlLiteral(tables.schema)}),
    coalesce(obj_description(to_regclass(${sqlLiteral(tables.history)}), 'pg_class') = ${sqlLiteral(HISTORY_TABLE_MARKER)}, false),
    to_regclass(${sqlLiteral(tables.lock)}) IS NOT NULL,
    to_regclass(${sqlLiteral(tables.progress)}) IS NOT NULL
  INTO rds_schema_exists, rds_history_current, rds_lock_exists, rds_progress_exists;
  IF rds_history_current AND rds_lock_exists AND rds_progress_exists THEN
    RETURN;
  END IF;
  IF NOT rds_schema_exists THEN
${run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(tables.schema)}`)}
  END IF;
${run(createHistoryTableSql(tables))}
  IF NOT rds_lock_exists THEN
${run(createLockTableSql(tables))}
  END IF;
  IF NOT rds_progress_exists THEN
${run(createProgressTableSql(tables))}
  END IF;
${run(upgradeHistoryTypesSql(tables))}
${commitCheckSql(tables).map(run).join('\n')}
END`;
  for (let n = 0; n < 100; n++) {
    const tag = `$rds_migrate_ensure${n === 0 ? '' : `_${n}`}$`;
    if (!body.includes(tag)) return `DO ${tag}\n${body}\n${tag}`;
  }
  return undefined;
}

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
 * in one transaction ({@link creationBlock}, one call) that first takes a transaction-level advisory lock
 * (`pg_advisory_xact_lock`, released at commit, so no session state outlives the call as the Data API
 * requires), then re-checks and creates only what is still missing. Concurrent `CREATE ... IF NOT EXISTS`
 * alone can fail with a unique violation on the catalogs. A role without CREATE on the database works
 * when an administrator created the schema beforehand. Being idempotent, the whole of it is run again
 * after a transient failure.
 *
 * Cost: one call when everything exists; two otherwise.
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
    const block = creationBlock(tables);
    if (!block) throw new Error(`historySchema ${JSON.stringify(tables.schema)}: no dollar-quote tag fits the bookkeeping's creation`);
    await db.execute(block);
  });
}
