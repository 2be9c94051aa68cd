import { migrate, type MigrateReport } from '../engine/commands/migrate';
import { recordRunMetrics, verificationMetricValues } from '../observability/metrics';
import { checkDrift } from '../verify/checks/drift';
import type { FingerprintRecord } from '../verify/fingerprint/record-fingerprint';
import { refreshFingerprint } from '../verify/fingerprint/refresh-fingerprint';
import type { VerificationCheck, VerificationReport } from '../verify/report';
import { runVerification } from '../verify/run-verification';
import type { ActionContext } from './action-context';
import { snapshotBeforeMigrate, type SnapshotSummary } from './snapshot-action';
import { snapshotAgeMetric, type VerifySettings } from './verify-action';

export interface MigrateActionReport {
  readonly action: 'migrate';
  readonly database: string;
  /** False when verification after the migrations failed. */
  readonly ok: boolean;
  /**
   * The snapshot taken before the first pending migration ran; null when nothing was pending
   * (nothing changes, so nothing is exported) or snapshots are off (`snapshotSkipped` says why).
   */
  readonly snapshot: SnapshotSummary | null;
  readonly snapshotSkipped?: string;
  readonly migrate: MigrateReport;
  /**
   * Objects that had drifted from the recorded schema fingerprint before the pending migrations ran
   * (as warnings): the fingerprint recorded after them includes these changes. Absent when nothing
   * was pending or nothing had drifted.
   */
  readonly driftBeforeMigrate?: VerificationCheck[];
  /** The schema fingerprint recorded after the migrations, or null when the newest one was kept. */
  readonly fingerprint: FingerprintRecord | null;
  readonly verification: VerificationReport;
}

/** Drift before migrating, as warnings; never throws (the migrate itself reports a broken database). */
async function driftBeforeMigrate(ctx: ActionContext): Promise<VerificationCheck[]> {
  try {
    const drift = await checkDrift(ctx.driver, { schemas: ctx.schemas });
    const drifted = drift.checks.filter((c) => !c.passed && c.check === 'drift' && c.severity === 'error');
    for (const c of drifted) ctx.log.warn('drift before migrating: recorded into the new fingerprint', { object: c.object, kind: c.kind });
    return drifted.map((c) => ({ ...c, severity: 'warning' as const, message: `before migrating: ${c.message}` }));
  } catch (error) {
    ctx.log.warn('could not compare the schema with its fingerprint before migrating', { error: (error as Error)?.message ?? String(error) });
    return [];
  }
}

/**
 * The main job: snapshot, migrate, record the schema fingerprint, verify.
 *
 * 1. Holding the engine's lock, when anything is pending: the schema is compared with its recorded
 *    fingerprint (drift found is reported as `driftBeforeMigrate` warnings), then a snapshot is written
 *    to S3 (manifest last) before the first pending migration runs (`snapshotBeforeMigrate`: its scope,
 *    full or affected, and its budget). If the snapshot fails or would not fit its budget, nothing is
 *    migrated and its error is thrown; with scope `none` no snapshot is taken (`snapshotSkipped`).
 * 2. The pending migrations are applied up to `targetVersion` (default: the bundle's last).
 * 3. The schema fingerprint is recorded when migrations were applied (or none is recorded for the
 *    current version, see `verify/fingerprint/refresh-fingerprint.ts`).
 * 4. Verification runs: each applied migration's verify script and the built-in checks, drift included.
 *
 * Metrics (recorded for the function's run, see `observability/metrics.ts`): MigrationDurationMs, the
 * verification's counts, SnapshotAgeHours.
 *
 * @throws whatever `migrate` throws (HistoryValidationError, LockHeldError, MigrationError), the
 *   snapshot's error, or a DatabaseError when the fingerprint cannot be recorded; a failed
 *   verification is reported (`ok: false`), not thrown, so the caller decides (the custom resource
 *   fails the deploy).
 */
export async function runMigrate(ctx: ActionContext, options: { targetVersion?: string; verify?: VerifySettings } = {}): Promise<MigrateActionReport> {
  let snapshot: SnapshotSummary | null = null;
  let snapshotSkipped: string | undefined;
  let driftBefore: VerificationCheck[] = [];
  const started = Date.now();
  let report: MigrateReport;
  try {
    report = await migrate(ctx.driver, ctx.bundle, {
      appliedBy: ctx.appliedBy,
      log: ctx.log,
      ...(ctx.lock ? { lock: ctx.lock } : {}),
      ...(options.targetVersion ? { targetVersion: options.targetVersion } : {}),
      beforeApply: async (pending) => {
        driftBefore = await driftBeforeMigrate(ctx);
        const step = await snapshotBeforeMigrate(ctx, pending);
        snapshot = step.snapshot;
        snapshotSkipped = step.skipped;
      },
    });
  } finally {
    recordRunMetrics({ migrationDurationMs: Date.now() - started });
  }
  if (report.applied.length === 0) snapshotSkipped ??= 'nothing was pending';
  const refreshed = await refreshFingerprint(ctx.driver, {
    applied: report.applied.length,
    version: report.current,
    recordedBy: ctx.appliedBy,
    schemas: ctx.schemas,
  });
  ctx.log.info(refreshed.recorded ? 'schema fingerprint recorded' : 'schema fingerprint kept', {
    reason: refreshed.reason,
    ...(refreshed.recorded ? { objects: refreshed.recorded.objectCount, sha256: refreshed.recorded.sha256 } : {}),
  });
  const verification = await runVerification(ctx.driver, ctx.bundle, {
    ...options.verify,
    log: ctx.log,
    schemas: ctx.schemas,
    ...(options.targetVersion ? { targetVersion: options.targetVersion } : {}),
  });
  const taken: SnapshotSummary | null = snapshot;
  recordRunMetrics({ ...verificationMetricValues(verification), ...(taken ? { snapshotAgeHours: 0 } : await snapshotAgeMetric(ctx)) });
  return {
    action: 'migrate',
    database: ctx.driver.database,
    ok: verification.ok,
    snapshot,
    ...(snapshotSkipped ? { snapshotSkipped } : {}),
    migrate: report,
    ...(driftBefore.length > 0 ? { driftBeforeMigrate: driftBefore } : {}),
    fingerprint: refreshed.recorded ?? null,
    verification,
  };
}
