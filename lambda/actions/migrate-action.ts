import { migrate, type MigrateReport } from '../engine/commands/migrate';
import { spendableMs, type StoppedRun, type TimeBudget } from '../engine/run/time-budget';
import type { BundledMigration } from '../migrations/bundle';
import { recordRunMetrics, verificationMetricValues } from '../observability/metrics';
import { checkDrift } from '../verify/checks/drift';
import type { FingerprintRecord } from '../verify/fingerprint/record-fingerprint';
import { refreshFingerprint } from '../verify/fingerprint/refresh-fingerprint';
import type { VerificationCheck, VerificationReport } from '../verify/report';
import { runVerification } from '../verify/run-verification';
import { contextRunOptions, type ActionContext } from './action-context';
import type { ReusedSnapshot } from './covering-snapshot';
import { snapshotBeforeMigrate, type SnapshotStep, type SnapshotSummary } from './snapshot-action';
import { snapshotAgeMetric, type VerifySettings } from './verify-action';

export interface MigrateActionReport {
  readonly action: 'migrate';
  readonly database: string;
  /** False when verification after the migrations failed. */
  readonly ok: boolean;
  /**
   * The snapshot taken before the first pending migration ran; null when nothing was pending
   * (nothing changes, so nothing is exported), snapshots are off (`snapshotSkipped` says why), or the
   * run resumed a migration an existing snapshot covers (`snapshotReused`).
   */
  readonly snapshot: SnapshotSummary | null;
  /**
   * The snapshot that covers this run, taken by an earlier one: the run resumed an unfinished migration
   * (in progress, or failed at a statement) and took no new snapshot. Which, when, and why it covers
   * the run (`reason`): `covering-snapshot.ts`. Absent otherwise.
   */
  readonly snapshotReused?: ReusedSnapshot;
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

/** Where a budgeted migrate stopped: before a migration, or before the fingerprint and verification. */
export type MigrateStop = StoppedRun | { readonly reason: 'finish-deferred' };

export interface MigrateOptions {
  /** Last version to apply. @default the bundle's last */
  readonly targetVersion?: string;
  /** Verification settings (required verify scripts, severities, ...). @default the checks' defaults */
  readonly verify?: VerifySettings;
  /**
   * The invocation's time budget (the function's `invocation-budget.ts`): the engine stops cleanly
   * before a migration (or between a data migration's batches) once it is used up, and the fingerprint
   * and verification wait for an invocation with time left. @default none: run to the end (the CLI)
   */
  readonly timeBudget?: TimeBudget;
  /**
   * Takes the snapshot before the first pending migration, holding the lock (its error stops the run
   * before anything is migrated). @default `snapshotBeforeMigrate` (its scope, budget and retention),
   * its time budget capped at what the invocation may still spend
   */
  readonly snapshot?: (pending: BundledMigration[]) => Promise<SnapshotStep>;
  /** Migrations applied by earlier invocations of the same run (a deployment's polls): counted for the fingerprint. @default 0 */
  readonly appliedEarlier?: number;
}

/** One invocation's share of the main job: finished with its report, or stopped by the time budget. */
export type MigrateStepResult =
  | {
      readonly done: false;
      readonly stopped: MigrateStop;
      /** The engine's report of this invocation. */
      readonly migrate: MigrateReport;
      readonly snapshot: SnapshotStep | null;
    }
  | { readonly done: true; readonly report: MigrateActionReport };

/**
 * The context for an invocation with a time budget: the snapshot's time budget (`maxSeconds`, see
 * `snapshot/budget`) is at most the time the invocation may still spend, so a snapshot that would
 * outlast the invocation is refused with its estimate before anything is read (the migration with it),
 * instead of Lambda stopping the function mid-export; and the export itself stops cleanly, failing, once
 * that time is spent (`timeBudget`, for an estimate that was wrong). Without a budget, or snapshots, `ctx`
 * as it is.
 */
export function withInvocationSnapshotBudget(ctx: ActionContext, timeBudget: TimeBudget | undefined): ActionContext {
  const spendable = spendableMs(timeBudget);
  if (spendable === undefined || !ctx.snapshots) return ctx;
  const seconds = Math.max(1, Math.floor(spendable / 1000));
  const configured = ctx.snapshots.budget?.maxSeconds;
  const maxSeconds = configured === undefined ? seconds : Math.min(configured, seconds);
  return { ...ctx, snapshots: { ...ctx.snapshots, budget: { ...ctx.snapshots.budget, maxSeconds }, timeBudget } };
}

/**
 * The main job: snapshot, migrate, record the schema fingerprint, verify.
 *
 * 1. Holding the engine's lock, when anything is pending: the schema is compared with its recorded
 *    fingerprint (drift found is reported as `driftBeforeMigrate` warnings), then a snapshot is written
 *    to S3 (manifest last) before the first pending migration runs (`snapshotBeforeMigrate`: its scope,
 *    full or affected, and its budget). If the snapshot fails or would not fit its budget, nothing is
 *    migrated and its error is thrown; with scope `none` no snapshot is taken (`snapshotSkipped`). A run
 *    that resumes an unfinished migration an existing snapshot covers takes none and names that one
 *    (`snapshotReused`, see `covering-snapshot.ts`).
 * 2. The pending migrations are applied up to `targetVersion` (default: the bundle's last).
 * 3. The schema fingerprint is recorded when migrations were applied (or none is recorded for the
 *    current version, see `verify/fingerprint/refresh-fingerprint.ts`).
 * 4. Verification runs: each applied migration's verify script and the built-in checks, drift included.
 *
 * With a `timeBudget` the step may stop before a migration, or before steps 3 and 4 (`done: false`,
 * nothing verified then); the next invocation continues where it stopped. Without one it always
 * finishes (`done: true`).
 *
 * Metrics (recorded for the function's run, see `observability/metrics.ts`): MigrationDurationMs, the
 * verification's counts, SnapshotAgeHours.
 *
 * @throws whatever `migrate` throws (HistoryValidationError, LockHeldError, MigrationError), the
 *   snapshot's error, or a DatabaseError when the fingerprint cannot be recorded; a failed
 *   verification is reported (`ok: false`), not thrown, so the caller decides (the custom resource
 *   fails the deploy).
 */
export async function runMigrateStep(ctx: ActionContext, options: MigrateOptions = {}): Promise<MigrateStepResult> {
  const takeSnapshot =
    options.snapshot ?? ((pending: BundledMigration[]) => snapshotBeforeMigrate(withInvocationSnapshotBudget(ctx, options.timeBudget), pending));
  let decision: SnapshotStep | null = null;
  let driftBefore: VerificationCheck[] = [];
  const started = Date.now();
  let report: MigrateReport;
  try {
    report = await migrate(ctx.driver, ctx.bundle, {
      ...contextRunOptions(ctx, options.timeBudget),
      ...(options.targetVersion ? { targetVersion: options.targetVersion } : {}),
      beforeApply: async (pending) => {
        driftBefore = await driftBeforeMigrate(ctx);
        decision = await takeSnapshot(pending);
      },
    });
  } finally {
    recordRunMetrics({ migrationDurationMs: Date.now() - started });
  }
  const taken = decision as SnapshotStep | null;
  if (report.stopped) return { done: false, stopped: report.stopped, migrate: report, snapshot: taken };
  if (options.timeBudget && (spendableMs(options.timeBudget) ?? 1) <= 0) {
    ctx.log.warn('time budget used up: the fingerprint and verification run in the next invocation', { current: report.current });
    return { done: false, stopped: { reason: 'finish-deferred' }, migrate: report, snapshot: taken };
  }

  const snapshotSkipped = taken?.snapshot || taken?.reused ? undefined : (taken?.skipped ?? (report.applied.length === 0 ? 'nothing was pending' : undefined));
  const refreshed = await refreshFingerprint(ctx.driver, {
    applied: report.applied.length + (options.appliedEarlier ?? 0),
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
  recordRunMetrics({ ...verificationMetricValues(verification), ...(taken?.snapshot ? { snapshotAgeHours: 0 } : await snapshotAgeMetric(ctx)) });
  return {
    done: true,
    report: {
      action: 'migrate',
      database: ctx.driver.database,
      ok: verification.ok,
      snapshot: taken?.snapshot ?? null,
      ...(taken?.reused ? { snapshotReused: taken.reused } : {}),
      ...(snapshotSkipped ? { snapshotSkipped } : {}),
      migrate: report,
      ...(driftBefore.length > 0 ? { driftBeforeMigrate: driftBefore } : {}),
      fingerprint: refreshed.recorded ?? null,
      verification,
    },
  };
}

/**
 * The main job run to the end (the CLI's `migrate`): `runMigrateStep` without a time budget.
 * @throws as `runMigrateStep`
 */
export async function runMigrate(ctx: ActionContext, options: Omit<MigrateOptions, 'timeBudget'> = {}): Promise<MigrateActionReport> {
  const result = await runMigrateStep(ctx, options);
  if (!result.done) throw new Error(`migrate stopped without a time budget (${result.stopped.reason}): this is a bug`);
  return result.report;
}
