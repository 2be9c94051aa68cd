/**
 * Verification: proves that the database is what the bundle says it should be. Runs, in order:
 * 1. `schema-history` (checks/history-matches-bundle.ts): nothing missing, changed, failed or pending;
 * 2. `verify-script`: each applied migration's verify.sql, read-only and rolled back (see
 *    verify-script.ts for the pass/fail rule), in version order;
 * 3. `invalid-index` (checks/invalid-indexes.ts): no INVALID index in the user schemas.
 * Read-only: takes no lock and creates nothing.
 */
import type { Driver } from '../driver/driver';
import type { MigrationBundle } from '../migrations/bundle';
import { silentLog, type Log } from '../observability/log';
import { readSchemaHistory } from '../engine/history/read';
import type { HistoryOptions } from '../engine/history/tables';
import { computeStatus, isApplied } from '../engine/status/compute';
import { checkHistoryMatchesBundle } from './checks/history-matches-bundle';
import { checkInvalidIndexes } from './checks/invalid-indexes';
import { isOk, type VerificationCheck, type VerificationReport } from './report';
import { runVerifyScript, type VerifyScriptOptions } from './verify-script';

export interface VerificationOptions extends HistoryOptions, VerifyScriptOptions {
  /** The version migrate was asked to stop at: pending versions above it are reported as info. */
  readonly targetVersion?: string;
  readonly log?: Log;
}

/**
 * Runs every check and returns the report; never throws for a failed check.
 * Cost: one call per 1000 schema history rows, one transaction per verify script, one query for indexes.
 * @throws {DatabaseError | DriverError} when the schema history or the catalog cannot be read
 */
export async function runVerification(driver: Driver, bundle: MigrationBundle, options: VerificationOptions = {}): Promise<VerificationReport> {
  const log = options.log ?? silentLog;
  const started = Date.now();
  const status = computeStatus(bundle, await readSchemaHistory(driver, options));
  const checks: VerificationCheck[] = [...checkHistoryMatchesBundle(status, options)];
  for (const s of status.migrations) {
    if (isApplied(s) && s.migration?.verify) {
      checks.push(await runVerifyScript(driver, s.migration, options));
    }
  }
  checks.push(...(await checkInvalidIndexes(driver)));
  const report = { ok: isOk(checks), checks, durationMs: Date.now() - started };
  const failed = checks.filter((c) => !c.passed);
  log.info('verification finished', { ok: report.ok, checks: checks.length, failed: failed.length, durationMs: report.durationMs });
  for (const c of failed) log.warn('verification check failed', { check: c.check, object: c.object, severity: c.severity, message: c.message });
  return report;
}
