import { migrate, type MigrateReport } from '../engine/commands/migrate';
import type { VerificationReport } from '../verify/report';
import { runVerification } from '../verify/run-verification';
import type { ActionContext } from './action-context';
import { runSnapshot, type SnapshotSummary } from './snapshot-action';

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
  readonly verification: VerificationReport;
}

/**
 * The main job: snapshot, migrate, verify.
 *
 * 1. Holding the engine's lock, when anything is pending, a snapshot of the configured schemas is
 *    written to S3 (manifest last) before the first pending migration runs. If the snapshot fails,
 *    nothing is migrated and its error is thrown.
 * 2. The pending migrations are applied up to `targetVersion` (default: the bundle's last).
 * 3. Verification runs: each applied migration's verify script and the built-in checks.
 *
 * @throws whatever `migrate` throws (HistoryValidationError, LockHeldError, MigrationError) or the
 *   snapshot's error; a failed verification is reported (`ok: false`), not thrown, so the caller
 *   decides (the custom resource fails the deploy).
 */
export async function runMigrate(ctx: ActionContext, options: { targetVersion?: string } = {}): Promise<MigrateActionReport> {
  let snapshot: SnapshotSummary | null = null;
  let snapshotSkipped: string | undefined;
  const report = await migrate(ctx.driver, ctx.bundle, {
    appliedBy: ctx.appliedBy,
    log: ctx.log,
    ...(options.targetVersion ? { targetVersion: options.targetVersion } : {}),
    beforeApply: async (pending) => {
      if (!ctx.snapshots) {
        snapshotSkipped = 'snapshots are not configured (no bucket)';
        ctx.log.warn('no snapshot taken before migrating: no bucket configured', { pending: pending.length });
        return;
      }
      ctx.log.info('taking snapshot before migrating', { pending: pending.map((m) => m.version) });
      snapshot = await runSnapshot(ctx);
    },
  });
  if (report.applied.length === 0) snapshotSkipped ??= 'nothing was pending';
  const verification = await runVerification(ctx.driver, ctx.bundle, {
    log: ctx.log,
    ...(options.targetVersion ? { targetVersion: options.targetVersion } : {}),
  });
  return {
    action: 'migrate',
    database: ctx.driver.database,
    ok: verification.ok,
    snapshot,
    ...(snapshotSkipped ? { snapshotSkipped } : {}),
    migrate: report,
    verification,
  };
}
