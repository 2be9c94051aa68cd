/**
 * The statement that opens every transaction the engine runs: one call that sets the transaction's
 * timeouts and the commit-time fence's settings, and reports the backend running the transaction.
 *
 * `set_config(name, value, true)` is the function form of `SET LOCAL` (PostgreSQL docs, 9.28.1
 * "Configuration Settings Functions"): it lasts until the transaction ends, so no session state
 * outlives it (the Data API pools and resets connections between calls). Being a function, several
 * settings take one call, and the statement can be the CTE of the step's schema history write
 * (`history/writes.ts`), so a migration transaction costs BeginTransaction, this statement, the
 * migration's statements, CommitTransaction.
 *
 * PostgreSQL docs, 20.11.1 "Statement Behavior": `lock_timeout` aborts a statement that waits longer
 * than that for a lock (SQLSTATE 55P03, retried, see `retry.ts`); `statement_timeout` aborts one that
 * runs longer (SQLSTATE 57014, not retried). Statements that must run outside a transaction (CREATE
 * INDEX CONCURRENTLY, ...) cannot get either and run with the role's or database's settings.
 *
 * The statement returns `pid` (pg_backend_pid()) and `xact_start` (transaction_timestamp() as text):
 * they identify the transaction in pg_stat_activity, to watch a statement that outlived its Data API
 * call (`long-statement.ts`) and to end a transaction whose commit was lost (`outcome-unknown.ts`).
 */
import { SETTING_LEASE_TOKEN, SETTING_STEP_STARTED } from '../history/commit-check';
import type { PlannedStatement } from '../plan/types';

export interface TimeoutOptions {
  /** lock_timeout of each migration transaction, ms; 0 disables it. @default 5000 */
  readonly lockTimeoutMs?: number;
  /** statement_timeout of each migration transaction, ms; 0 disables it. @default unset (the server's) */
  readonly statementTimeoutMs?: number;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

/** Largest value of both settings: PostgreSQL keeps them as an int of ms (docs 20.11.1). */
const MAX_MS = 2_147_483_647;

function milliseconds(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_MS) {
    throw new Error(`${field} must be a whole number of milliseconds between 0 and ${MAX_MS}, got ${value}`);
  }
  return value;
}

/**
 * Validates the timeouts and fills in the default lock timeout.
 * @param where names the source in errors, e.g. `migration 0022 (directive)`; @default the option names alone
 * @throws {Error} naming the option when a value is not a whole number of ms in range
 */
export function resolveTimeouts(options: TimeoutOptions = {}, where?: string): { lockTimeoutMs: number; statementTimeoutMs?: number } {
  const prefix = where ? `${where}: ` : '';
  const lockTimeoutMs = milliseconds(options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, `${prefix}lockTimeoutMs`);
  return options.statementTimeoutMs === undefined
    ? { lockTimeoutMs }
    : { lockTimeoutMs, statementTimeoutMs: milliseconds(options.statementTimeoutMs, `${prefix}statementTimeoutMs`) };
}

/**
 * The opening SELECT of a transaction (without the surrounding statement), with the runtime
 * parameter `:lease_token`. Values are validated integers written into the text.
 * @param measured also set `rds_migrate.step_started`, so the commit-time check adds the
 *   transaction's duration to the schema history row it writes
 * @throws {Error} naming the option when a timeout is out of range
 */
export function openerSelect(options: TimeoutOptions = {}, measured = false): string {
  const { lockTimeoutMs, statementTimeoutMs } = resolveTimeouts(options);
  const columns = [`set_config('lock_timeout', '${lockTimeoutMs}ms', true) AS lock_timeout`];
  if (statementTimeoutMs !== undefined) columns.push(`set_config('statement_timeout', '${statementTimeoutMs}ms', true) AS statement_timeout`);
  columns.push(`set_config('${SETTING_LEASE_TOKEN}', :lease_token::text, true) AS lease_token`);
  if (measured) columns.push(`set_config('${SETTING_STEP_STARTED}', clock_timestamp()::text, true) AS step_started`);
  columns.push('pg_backend_pid() AS pid', 'transaction_timestamp()::text AS xact_start');
  return `SELECT ${columns.join(',\n  ')}`;
}

/**
 * The settings of {@link openerSelect} as a PL/pgSQL `PERFORM`, for a folded step (`plan/fold.ts`):
 * the lease token comes from the block's variable `rds_migrate_token`. Not measured by the
 * commit-time check: the block writes its own duration into its schema history row.
 * @throws {Error} naming the option when a timeout is out of range
 */
export function openerPerform(options: TimeoutOptions = {}): string {
  const { lockTimeoutMs, statementTimeoutMs } = resolveTimeouts(options);
  const calls = [`set_config('lock_timeout', '${lockTimeoutMs}ms', true)`];
  if (statementTimeoutMs !== undefined) calls.push(`set_config('statement_timeout', '${statementTimeoutMs}ms', true)`);
  calls.push(`set_config('${SETTING_LEASE_TOKEN}', rds_migrate_token, true)`);
  return `  PERFORM ${calls.join(',\n    ')};`;
}

/**
 * The opening statement on its own, for a transaction that writes no schema history row at its start
 * (a down script's statement, a data migration's batch).
 * @throws {Error} naming the option when a timeout is out of range
 */
export function timeoutSettings(options: TimeoutOptions = {}): PlannedStatement {
  return { role: 'setting', sql: openerSelect(options), runtimeParams: ['lease_token'], session: true };
}
