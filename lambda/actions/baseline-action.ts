import { baseline } from '../engine/commands/baseline';
import { checkVersion } from '../engine/options';
import { compareVersions } from '../migrations/compare-versions';
import { recordRunMetrics, verificationMetricValues } from '../observability/metrics';
import { recordFingerprint, type FingerprintRecord } from '../verify/fingerprint/record-fingerprint';
import type { VerificationCheck, VerificationReport } from '../verify/report';
import { runVerification } from '../verify/run-verification';
import { runVerifyScript } from '../verify/verify-script';
import { contextWriteOptions, type ActionContext } from './action-context';

export interface BaselineActionReport {
  readonly action: 'baseline';
  readonly database: string;
  /** False when the verification after baselining failed (the baseline is recorded all the same). */
  readonly ok: boolean;
  /** Versions recorded as baselined (schema history type `baseline`, never run), ascending. */
  readonly baselined: string[];
  /** The baseline version, now the current one. */
  readonly current: string;
  /**
   * The verify scripts of the baselined migrations, run before anything was recorded: the proof that
   * the database already has their changes (all passed, else the baseline was refused).
   */
  readonly proven: VerificationCheck[];
  /** The schema fingerprint recorded for the baseline version: later drift is measured against it. */
  readonly fingerprint: FingerprintRecord;
  /** Verification at the baseline version (versions above it pending, reported as info). */
  readonly verification: VerificationReport;
}

/**
 * The baseline was refused before anything was recorded: a verify script of a migration to baseline
 * failed, so the database does not have that migration's changes.
 */
export class BaselineRefusedError extends Error {
  override readonly name = 'BaselineRefusedError';
  constructor(
    readonly version: string,
    /** The failed verify-script checks, naming file, line and why. */
    readonly failed: readonly VerificationCheck[],
  ) {
    super(
      `Baseline at ${version} refused, nothing was recorded: the database does not have the changes the verify script(s) check: ` +
        failed.map((c) => c.message).join('; '),
    );
  }
}

/**
 * Adopts a database that already has the changes up to `version` (applied by hand, by Django, by
 * another tool): the engine's `baseline` records every bundled version up to and including `version`
 * as applied without running it, so that migrate applies only the versions above.
 *
 * 1. `version` is checked: a version of the bundle (the engine's rule: digits with optional dots).
 * 2. The verify scripts of the migrations to baseline run first, read-only and rolled back
 *    (`runVerifyScript`): if one fails, nothing is recorded and {@link BaselineRefusedError} names it.
 * 3. The engine's `baseline` (holding the lock lease; only on an empty schema history).
 * 4. The schema fingerprint is recorded for the baseline version (`recordFingerprint`), so that the
 *    scheduled verification measures drift from the adopted schema, not from none.
 * 5. Verification at the baseline version: the verify scripts again and the built-in checks; the
 *    versions above are pending, reported as info.
 *
 * @throws {Error} naming `version` when it is not a version, or not a migration of the bundle
 * @throws {BaselineRefusedError} when a baselined migration's verify script fails (nothing recorded)
 * @throws {HistoryValidationError} (kind `not-empty`) when the schema history already has rows
 * @throws {LockHeldError} when another runner holds the lock
 * @throws {DatabaseError} when the fingerprint cannot be recorded (the baseline is recorded then)
 */
export async function runBaseline(ctx: ActionContext, options: { readonly version: string }): Promise<BaselineActionReport> {
  const version = checkVersion(options.version, 'version');
  const upTo = ctx.bundle.migrations.filter((m) => compareVersions(m.version, version) <= 0);
  if (!upTo.some((m) => compareVersions(m.version, version) === 0)) {
    const versions = ctx.bundle.migrations.map((m) => m.version);
    const shown = versions.length > 10 ? `${versions.slice(0, 10).join(', ')}, ...` : versions.join(', ');
    throw new Error(`version: ${version} is not a migration of the bundle (its versions: ${shown || 'none'}); nothing was recorded`);
  }

  const proven: VerificationCheck[] = [];
  for (const migration of upTo) {
    if (migration.verify) proven.push(await runVerifyScript(ctx.driver, migration));
  }
  const failed = proven.filter((c) => !c.passed);
  if (failed.length > 0) {
    for (const c of failed) ctx.log.warn('baseline refused: verify script failed', { object: c.object, detail: c.message });
    throw new BaselineRefusedError(version, failed);
  }

  const result = await baseline(ctx.driver, ctx.bundle, version, contextWriteOptions(ctx));
  const fingerprint = await recordFingerprint(ctx.driver, { version: result.current, recordedBy: ctx.appliedBy, schemas: ctx.schemas });
  ctx.log.info('schema fingerprint recorded', { reason: `baseline at ${result.current}`, objects: fingerprint.objectCount, sha256: fingerprint.sha256 });
  const verification = await runVerification(ctx.driver, ctx.bundle, { log: ctx.log, schemas: ctx.schemas, targetVersion: result.current });
  recordRunMetrics(verificationMetricValues(verification));
  return {
    action: 'baseline',
    database: ctx.driver.database,
    ok: verification.ok,
    baselined: result.baselined,
    current: result.current,
    proven,
    fingerprint,
    verification,
  };
}
