/**
 * Verification: proves that the database is what the bundle says it should be. Runs, in this order:
 * 1. `schema-history` (checks/history-matches-bundle.ts): nothing missing from the bundle, changed
 *    (checksum), failed or pending;
 * 2. `verify-script`: each applied migration's verify.sql, read-only and rolled back (see
 *    verify-script.ts for the pass/fail rule), in version order; a migration without one is reported
 *    (checks/missing-verify.ts);
 * 3. the catalog checks, together: `drift` against the recorded schema fingerprint (checks/drift.ts),
 *    `invalid-index`, `not-valid-constraint`, `lock` (a lease held past its expiry),
 *    `sequence-capacity` and `index-usage` (warnings), each in checks/.
 * Read-only: takes no lock and creates nothing.
 *
 * Cost in Data API calls: 1 per 1,000 schema history rows; per verify script, its statements plus 4
 * (BeginTransaction, 2 SET, Rollback); the catalog checks 9 whatever the number of objects (drift 4,
 * the five others 1 each; see test/verify/call-count.test.ts and bench/verify-calls.ts).
 */
import type { Driver } from '../driver/driver';
import { DatabaseError } from '../driver/errors';
import { readSchemaHistory } from '../engine/history/read';
import { historyTables, type HistoryOptions } from '../engine/history/tables';
import { computeStatus } from '../engine/status/compute';
import type { MigrationBundle } from '../migrations/bundle';
import { silentLog, type Log } from '../observability/log';
import { checkDrift } from './checks/drift';
import { checkHistoryMatchesBundle } from './checks/history-matches-bundle';
import { checkIndexUsage, DEFAULT_UNUSED_INDEX_MIN_TABLE_SCANS } from './checks/index-usage';
import { checkInvalidIndexes } from './checks/invalid-indexes';
import { checkLockLease } from './checks/lock-lease';
import { checkMissingVerify } from './checks/missing-verify';
import { checkNotValidConstraints } from './checks/not-valid-constraints';
import { checkSequenceCapacity, DEFAULT_SEQUENCE_MAX_SHARE } from './checks/sequence-capacity';
import { isOk, type CheckName, type Severity, type VerificationCheck, type VerificationReport } from './report';
import { schemasParam, type CatalogScope } from './schema-scope';
import { summarizeVerification } from './summary';
import { runVerifyScript, type VerifyScriptOptions } from './verify-script';

export interface VerificationOptions extends HistoryOptions, VerifyScriptOptions {
  /** The version migrate was asked to stop at: pending versions above it are reported as info. */
  readonly targetVersion?: string;
  /** Schemas the catalog checks cover (the history schema never is). @default ['public'] */
  readonly schemas?: readonly string[];
  /** A migration without a verify script fails verification (sqitch's `--require-verify`). @default false */
  readonly requireVerify?: boolean;
  /** Share of its range past which an integer column's sequence fails (0 < share ≤ 1). @default 0.75 */
  readonly sequenceMaxShare?: number;
  /** Table reads before a never-scanned index is reported unused. @default 1000 */
  readonly unusedIndexMinTableScans?: number;
  /**
   * Severity of every failing check of a name, overriding the built-in one; e.g.
   * `{ 'not-valid-constraint': 'warning' }` for a constraint validated in a later deploy on purpose.
   */
  readonly severity?: Partial<Record<CheckName, Severity>>;
  readonly log?: Log;
}

function describeError(error: unknown): string {
  if (error instanceof DatabaseError) return `SQLSTATE ${error.sqlState ?? 'unknown'}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Runs one catalog check; a check that cannot run fails (as an error) without hiding the others. */
async function guarded(check: CheckName, run: () => Promise<VerificationCheck[]>): Promise<VerificationCheck[]> {
  try {
    return await run();
  } catch (error) {
    return [{ check, severity: 'error', passed: false, message: `the ${check} check could not run: ${describeError(error)}` }];
  }
}

function overridden(checks: VerificationCheck[], severity: VerificationOptions['severity']): VerificationCheck[] {
  if (!severity) return checks;
  return checks.map((c) => {
    const wanted = severity[c.check as CheckName];
    return wanted && !c.passed ? { ...c, severity: wanted } : c;
  });
}

/**
 * Runs every check and returns the report; never throws for a failed check, nor for a catalog check
 * that cannot run (it fails as an error naming why).
 * @throws {Error} naming the option when `schemas`, `historySchema`, `sequenceMaxShare`,
 *   `unusedIndexMinTableScans` or `statementTimeoutMs` is out of range (before anything runs)
 * @throws {DatabaseError | DriverError} when the schema history cannot be read
 */
export async function runVerification(driver: Driver, bundle: MigrationBundle, options: VerificationOptions = {}): Promise<VerificationReport> {
  const log = options.log ?? silentLog;
  const tables = historyTables(options.historySchema);
  const scope: CatalogScope = { schemas: schemasParam(options.schemas), historySchema: tables.schema };
  const maxShare = options.sequenceMaxShare ?? DEFAULT_SEQUENCE_MAX_SHARE;
  const minTableScans = options.unusedIndexMinTableScans ?? DEFAULT_UNUSED_INDEX_MIN_TABLE_SCANS;
  if (!(maxShare > 0 && maxShare <= 1)) throw new Error(`sequenceMaxShare must be above 0 and at most 1, got ${maxShare}`);
  if (!Number.isInteger(minTableScans) || minTableScans < 0) {
    throw new Error(`unusedIndexMinTableScans must be a whole number of scans >= 0, got ${minTableScans}`);
  }
  const started = Date.now();

  const status = computeStatus(bundle, await readSchemaHistory(driver, options));
  const checks: VerificationCheck[] = [...checkHistoryMatchesBundle(status, options)];
  for (const s of status.migrations) {
    if ((s.state === 'applied' || s.state === 'changed') && s.migration?.verify) {
      checks.push(await runVerifyScript(driver, s.migration, options));
    }
  }
  checks.push(...checkMissingVerify(status.migrations, options.requireVerify));

  let driftObjects = 0;
  const catalog = await Promise.all([
    guarded('drift', async () => {
      const drift = await checkDrift(driver, { ...options, schemas: scope.schemas.split(',') });
      driftObjects = drift.driftObjects;
      return drift.checks;
    }),
    guarded('invalid-index', () => checkInvalidIndexes(driver, scope)),
    guarded('not-valid-constraint', () => checkNotValidConstraints(driver, scope)),
    guarded('lock', () => checkLockLease(driver, tables)),
    guarded('sequence-capacity', () => checkSequenceCapacity(driver, scope, maxShare)),
    guarded('index-usage', () => checkIndexUsage(driver, scope, minTableScans)),
  ]);
  const all = overridden([...checks, ...catalog.flat()], options.severity);

  const failing = all.filter((c) => !c.passed);
  const counts = {
    checks: all.length,
    failures: failing.filter((c) => c.severity === 'error').length,
    warnings: failing.filter((c) => c.severity === 'warning').length,
    pendingMigrations: status.pending.length,
    driftObjects,
    invalidIndexes: failing.filter((c) => c.check === 'invalid-index' && c.found === 'INVALID').length,
  };
  const ok = isOk(all);
  const durationMs = Date.now() - started;
  const summary = summarizeVerification({ ok, checks: all, counts, durationMs });
  log.info('verification finished', { ok, ...counts, durationMs });
  for (const c of failing) {
    if (c.severity !== 'info') log.warn('verification check failed', { check: c.check, object: c.object, severity: c.severity, detail: c.message });
  }
  return { ok, checks: all, counts, summary, durationMs };
}
