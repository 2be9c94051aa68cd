import { planRollback } from '../engine/commands/plan';
import { rollback, type RollbackReport } from '../engine/commands/rollback';
import { checkVersion } from '../engine/options';
import type { TimeBudget } from '../engine/run/time-budget';
import { recordRunMetrics, verificationMetricValues } from '../observability/metrics';
import { recordFingerprint, type FingerprintRecord } from '../verify/fingerprint/record-fingerprint';
import type { VerificationReport } from '../verify/report';
import { runVerification } from '../verify/run-verification';
import { contextRunOptions, type ActionContext } from './action-context';
import { withInvocationSnapshotBudget } from './migrate-action';
import { runSnapshot, snapshotSkipped as skipReason, type SnapshotSummary } from './snapshot-action';
import { snapshotAgeMetric } from './verify-action';

export interface RollbackActionOptions {
  /** The version to end at (it stays applied); `0` reverts everything. */
  readonly targetVersion: string;
  /** Must repeat `targetVersion`: down scripts drop what the migrations created, data included. */
  readonly confirm: string;
  /**
   * The invocation's time budget (`engine/run/time-budget.ts`): the engine stops cleanly before a
   * migration once it is used up, and the report says to invoke again. @default none (no limit)
   */
  readonly timeBudget?: TimeBudget;
}

/** The rollback's report when it ran to its target. */
export interface RollbackActionReport {
  readonly action: 'rollback';
  readonly database: string;
  /** False when the verification after the rollback failed (the rollback itself is done). */
  readonly ok: boolean;
  /**
   * The snapshot taken before the first down script ran (its schema version is the one rolled back
   * from); null when nothing was to revert or snapshots are off (`snapshotSkipped` says why).
   */
  readonly snapshot: SnapshotSummary | null;
  readonly snapshotSkipped?: string;
  /** The engine's report: what was reverted (highest first) and the current version now. */
  readonly rollback: RollbackReport;
  /** The schema fingerprint recorded after reverting; null when nothing was reverted. */
  readonly fingerprint: FingerprintRecord | null;
  /** Verification at the target version (the reverted versions are pending, reported as info). */
  readonly verification: VerificationReport;
}

/** The rollback's report when the time budget stopped it before the target: invoke again. */
export interface RollbackInProgressReport {
  readonly action: 'rollback';
  readonly database: string;
  readonly ok: true;
  readonly inProgress: true;
  /** One sentence for the operator: where it stopped and what to do. */
  readonly message: string;
  readonly snapshot: SnapshotSummary | null;
  readonly rollback: RollbackReport;
}

/** The confirmation did not repeat the target version: nothing was done. */
export class RollbackNotConfirmedError extends Error {
  override readonly name = 'RollbackNotConfirmedError';
  constructor(
    readonly targetVersion: string,
    readonly confirm: string,
  ) {
    super(
      `Rollback to ${targetVersion} refused: confirm: ${JSON.stringify(confirm)} does not repeat the target version ${targetVersion}; nothing was changed`,
    );
  }
}

/**
 * Reverts the applied migrations above `targetVersion` with their down scripts (the engine's
 * `rollback`), with a snapshot first, as migrate takes one:
 *
 * 1. `confirm` must repeat `targetVersion` ({@link RollbackNotConfirmedError}), checked first.
 * 2. Refused up front, before the lock, the snapshot or any down script, when a migration to revert
 *    has no down script, is missing from the bundle or changed since applied, a failed row exists, or
 *    the target is not `0` or a known version at or below the current one (`planRollback`, read-only;
 *    the engine checks again under the lock).
 * 3. Holding the lock, before the first down script: a snapshot of the context's schemas (full scope:
 *    down scripts are not analysed), unless snapshots are off or the configured scope is `none`; its
 *    time budget at most what the invocation may still spend (`withInvocationSnapshotBudget`). If the
 *    snapshot fails or would not fit its budget, nothing is reverted.
 * 4. The down scripts, highest version first, each version getting an `undo` schema history row.
 * 5. The schema fingerprint is recorded for the version reached (`recordFingerprint`), so the scheduled
 *    verification does not report the reverted objects as drift.
 * 6. Verification at the target version.
 *
 * With a `timeBudget` that runs out before the target, steps 5 and 6 are skipped and a
 * {@link RollbackInProgressReport} says to invoke again with the same event.
 *
 * @throws {RollbackNotConfirmedError} when `confirm` does not repeat `targetVersion`
 * @throws {Error} naming `targetVersion` when it is not a version, not in the bundle or the history,
 *   or above the current version
 * @throws {HistoryValidationError} listing each migration that cannot be reverted (nothing changed)
 * @throws {LockHeldError} when another runner holds the lock
 * @throws the snapshot's error or SnapshotBudgetError (nothing reverted), or MigrationError when a down
 *   script fails (version, file, line, SQLSTATE, what was reverted)
 */
export async function runRollback(ctx: ActionContext, options: RollbackActionOptions): Promise<RollbackActionReport | RollbackInProgressReport> {
  const targetVersion = checkVersion(options.targetVersion, 'targetVersion');
  if (options.confirm !== targetVersion) throw new RollbackNotConfirmedError(targetVersion, options.confirm);

  const planned = await planRollback(ctx.driver, ctx.bundle, { appliedBy: ctx.appliedBy, targetVersion });
  ctx.log.info('rollback planned', { from: planned.current, to: planned.target, revert: planned.migrations.map((m) => m.version) });

  let snapshot: SnapshotSummary | null = null;
  let snapshotSkipped: string | undefined;
  const report = await rollback(ctx.driver, ctx.bundle, {
    ...contextRunOptions(ctx, options.timeBudget),
    targetVersion,
    beforeApply: async (toRevert) => {
      const budgeted = withInvocationSnapshotBudget(ctx, options.timeBudget);
      snapshotSkipped = skipReason(budgeted.snapshots);
      if (snapshotSkipped !== undefined) {
        ctx.log.warn('no snapshot taken before rolling back', { reason: snapshotSkipped, revert: toRevert.length });
      } else {
        ctx.log.info('taking snapshot before rolling back', { revert: toRevert.map((m) => m.version) });
        snapshot = await runSnapshot(budgeted);
      }
    },
  });
  const taken: SnapshotSummary | null = snapshot;

  if (report.stopped) {
    const where = `${report.stopped.version} (${report.stopped.name})`;
    return {
      action: 'rollback',
      database: ctx.driver.database,
      ok: true,
      inProgress: true,
      message:
        `${report.stopped.inProgress ? `Stopped in ${where}, its progress recorded` : `Stopped before reverting ${where}`}: the time budget of this ` +
        `invocation is used up. Invoke the function with ${JSON.stringify({ action: 'rollback', targetVersion, confirm: targetVersion })} again to continue.`,
      snapshot: taken,
      rollback: report,
    };
  }
  if (report.reverted.length === 0) snapshotSkipped ??= 'nothing to revert';

  let fingerprint: FingerprintRecord | null = null;
  if (report.reverted.length > 0) {
    fingerprint = await recordFingerprint(ctx.driver, { version: report.current, recordedBy: ctx.appliedBy, schemas: ctx.schemas });
    ctx.log.info('schema fingerprint recorded', { reason: `rolled back to ${report.current ?? 'none'}`, objects: fingerprint.objectCount, sha256: fingerprint.sha256 });
  }
  const verification = await runVerification(ctx.driver, ctx.bundle, { log: ctx.log, schemas: ctx.schemas, targetVersion });
  recordRunMetrics({ ...verificationMetricValues(verification), ...(taken ? { snapshotAgeHours: 0 } : await snapshotAgeMetric(ctx)) });
  return {
    action: 'rollback',
    database: ctx.driver.database,
    ok: verification.ok,
    snapshot: taken,
    ...(snapshotSkipped ? { snapshotSkipped } : {}),
    rollback: report,
    fingerprint,
    verification,
  };
}
