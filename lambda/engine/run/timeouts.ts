/**
 * Per-migration timeouts, set with `SET LOCAL` as the first statements of each migration transaction:
 * `SET LOCAL` lasts until the transaction ends, so no session state outlives it (the Data API pools and
 * resets connections between calls). PostgreSQL docs, 20.11.1 "Statement Behavior": `lock_timeout`
 * aborts a statement that waits longer than that for a lock (SQLSTATE 55P03, retried, see `retry.ts`);
 * `statement_timeout` aborts one that runs longer (SQLSTATE 57014, not retried).
 *
 * Statements that must run outside a transaction (CREATE INDEX CONCURRENTLY, ...) cannot get a
 * `SET LOCAL` and run with the role's or database's settings.
 */
import type { PlannedStatement } from '../plan/types';

export interface TimeoutOptions {
  /** lock_timeout of each migration transaction, ms; 0 disables it. @default 5000 */
  readonly lockTimeoutMs?: number;
  /** statement_timeout of each migration transaction, ms; 0 disables it. @default unset (the server's) */
  readonly statementTimeoutMs?: number;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 5000;

function milliseconds(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
    throw new Error(`${field} must be a whole number of milliseconds between 0 and 2147483647, got ${value}`);
  }
  return value;
}

/**
 * The `SET LOCAL` statements that open a migration transaction. `SET` takes no parameters, so the
 * values are validated integers written into the text.
 * @throws {Error} naming the option when a value is not a whole number of ms in range
 */
export function timeoutSettings(options: TimeoutOptions = {}): PlannedStatement[] {
  const lock = milliseconds(options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, 'lockTimeoutMs');
  const settings: PlannedStatement[] = [{ role: 'setting', sql: `SET LOCAL lock_timeout = '${lock}ms'` }];
  if (options.statementTimeoutMs !== undefined) {
    const statement = milliseconds(options.statementTimeoutMs, 'statementTimeoutMs');
    settings.push({ role: 'setting', sql: `SET LOCAL statement_timeout = '${statement}ms'` });
  }
  return settings;
}
