import type { BundledMigration, BundledRepeatable } from '../../migrations/bundle';
import { resolveTimeouts, type TimeoutOptions } from '../run/timeouts';
import type { RunSettings } from './types';

/**
 * How a migration runs: its directives (`-- rds-migrate: lock_timeout=... statement_timeout=...
 * retries=...`, see `lambda/migrations/bundle.ts`, "Directives") over the run's options. Applies to
 * its down script too.
 * @throws {Error} naming the migration when a timeout is out of range
 */
export function runSettings(migration: BundledMigration | BundledRepeatable, options: TimeoutOptions): RunSettings {
  const d = migration.directives ?? {};
  const lockTimeoutMs = d.lockTimeoutMs ?? options.lockTimeoutMs;
  const statementTimeoutMs = d.statementTimeoutMs ?? options.statementTimeoutMs;
  const timeouts: TimeoutOptions = {
    ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}),
    ...(statementTimeoutMs !== undefined ? { statementTimeoutMs } : {}),
  };
  const where = 'version' in migration ? `migration ${migration.version} (${migration.name})` : `repeatable migration ${migration.name}`;
  resolveTimeouts(timeouts, d.lockTimeoutMs !== undefined || d.statementTimeoutMs !== undefined ? `${where}, directive` : undefined);
  if (d.retries !== undefined && (!Number.isInteger(d.retries) || d.retries < 0)) {
    throw new Error(`${where}: the retries directive must be a whole number >= 0, got ${d.retries}`);
  }
  return { timeouts, ...(d.retries !== undefined ? { retries: d.retries } : {}) };
}

/**
 * True when the migration runs in one transaction: the compiler found every up statement able to
 * run in one, and no `transaction=off` directive.
 */
export function runsInOneTransaction(migration: BundledMigration | BundledRepeatable): boolean {
  return migration.transactional && migration.directives?.transaction !== false;
}
