/**
 * The main job (snapshot, migrate, record the schema fingerprint, verify) under an invocation's time
 * budget: the function's `migrate` for both the console event and a CloudFormation deployment.
 *
 * It is `actions/migrate-action.ts` (`runMigrate`, which the CLI runs with no time limit) with the
 * engine's time budget passed through: the engine stops cleanly before a migration (or between a data
 * migration's batches) once the budget is used up, and the step reports where it stopped instead of
 * verifying a half-migrated schema. The fingerprint and verification run only once everything up to
 * the target is applied and time is left for them; otherwise they are deferred to the next invocation,
 * whose migrate applies nothing and goes straight to them.
 */
import type { BundledMigration } from '../migrations/bundle';
import { migrate, type MigrateReport } from '../engine/commands/migrate';
import { spendableMs, type StoppedRun, type TimeBudget } from '../engine/run/time-budget';
import type { ActionContext } from '../actions/action-context';
import type { MigrateActionReport } from '../actions/migrate-action';
import { snapshotBeforeMigrate, type SnapshotStep, type SnapshotSummary } from '../actions/snapshot-action';
import { snapshotAgeMetric } from '../actions/verify-action';
import { recordRunMetrics, verificationMetricValues } from '../observability/metrics';
import { checkDrift } from '../verify/checks/drift';
import { refreshFingerprint } from '../verify/fingerprint/refresh-fingerprint';
import type { VerificationCheck } from '../verify/report';
import { runVerification } from '../verify/run-verification';

/** Where a budgeted migrate stopped: before a migration, or before the fingerprint and verification. */
export type MigrateStop = StoppedRun | { readonly reason: 'finish-deferred' };

/** What the snapshot step decided before the first change: the snapshot taken now, or why none was (`skipped`). */
export type SnapshotDecision = SnapshotStep;

export interface BudgetedMigrateOptions {
  /** Last version to apply. @default the bundle's last */
  readonly targetVersion?: string;
  /** The invocation's budget (`invocation-budget.ts`). @default none: run to the end */
  readonly timeBudget?: TimeBudget;
  /**
   * Takes the snapshot before the first pending migration, holding the lock (its error stops the run
   * before anything is migrated). @default `snapshotBeforeMigrate` (its scope, budget and retention)
   */
  readonly snapshot?: (pending: BundledMigration[]) => Promise<SnapshotDecision>;
  /** Migrations applied by earlier invocations of the same run (a deployment's polls): counted for the fingerprint. @default 0 */
  readonly appliedEarlier?: number;
}

/** The outcome of one invocation's share of the job. */
export type BudgetedMigrateResult =
  | {
      readonly done: false;
      readonly stopped: MigrateStop;
      /** The engine's report of this invocation. */
      readonly migrate: MigrateReport;
      readonly snapshot: SnapshotDecision | null;
    }
  | { readonly done: true; readonly report: MigrateActionReport };

/**
 * The context for an invocation with a time budget: the snapshot's time budget (`maxSeconds`, see
 * `snapshot/budget`) is at most the time the invocation may still spend, so a snapshot that would
 * outlast the invocation is refused with its estimate before anything is read (the migration with it),
 * instead of Lambda stopping the function mid-export. Without a budget, or snapshots, `ctx` as it is.
 */
export function withInvocationSnapshotBudget(ctx: ActionContext, timeBudget: TimeBudget | undefined): ActionContext {
  const spendable = spendableMs(timeBudget);
  if (spendable === undefined || !ctx.snapshots) return ctx;
  const seconds = Math.max(1, Math.floor(spendable / 1000));
  const configured = ctx.snapshots.budget?.maxSeconds;
  const maxSeconds = configured === undefined ? seconds : Math.min(configured, seconds);
  return { ...ctx, snapshots: { ...ctx.snapshots, budget: { ...ctx.snapshots.budget, maxSeconds } } };
}

/** Drift before migrating, as warnings (as `runMigrate` reports it); never throws. */
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
 * Runs as much of the main job as the budget allows (see the module doc).
 *
 * @returns `done: true` with the same report `runMigrate` gives (snapshot, migrate, drift before,
 *   fingerprint, verification) once the target is reached and verified; `done: false` with where it
 *   stopped otherwise (nothing is verified then)
 * @throws whatever the engine's migrate throws (HistoryValidationError, LockHeldError, MigrationError),
 *   the snapshot's error (nothing migrated then), or a DatabaseError recording the fingerprint; a failed
 *   verification is reported (`ok: false`), not thrown
 */
export async function runBudgetedMigrate(ctx: ActionContext, options: BudgetedMigrateOptions = {}): Promise<BudgetedMigrateResult> {
  const takeSnapshot = options.snapshot ?? ((pending: BundledMigration[]) => snapshotBeforeMigrate(withInvocationSnapshotBudget(ctx, options.timeBudget), pending));
  let decision: SnapshotDecision | null = null;
  let driftBefore: VerificationCheck[] = [];
  const started = Date.now();
  let report: MigrateReport;
  try {
    report = await migrate(ctx.driver, ctx.bundle, {
      appliedBy: ctx.appliedBy,
      log: ctx.log,
      ...(ctx.lock ? { lock: ctx.lock } : {}),
      ...(options.targetVersion ? { targetVersion: options.targetVersion } : {}),
      ...(options.timeBudget ? { timeBudget: options.timeBudget } : {}),
      beforeApply: async (pending) => {
        driftBefore = await driftBeforeMigrate(ctx);
        decision = await takeSnapshot(pending);
      },
    });
  } finally {
    recordRunMetrics({ migrationDurationMs: Date.now() - started });
  }
  const taken = decision as SnapshotDecision | null;
  if (report.stopped) return { done: false, stopped: report.stopped, migrate: report, snapshot: taken };
  if (options.timeBudget && (spendableMs(options.timeBudget) ?? 1) <= 0) {
    ctx.log.warn('time budget used up: the fingerprint and verification run in the next invocation', { current: report.current });
    return { done: false, stopped: { reason: 'finish-deferred' }, migrate: report, snapshot: taken };
  }

  const snapshotSkipped = taken?.snapshot ? undefined : (taken?.skipped ?? (report.applied.length === 0 ? 'nothing was pending' : undefined));
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
      ...(snapshotSkipped ? { snapshotSkipped } : {}),
      migrate: report,
      ...(driftBefore.length > 0 ? { driftBeforeMigrate: driftBefore } : {}),
      fingerprint: refreshed.recorded ?? null,
      verification,
    },
  };
}

/** The console's report of a migrate the time budget stopped: what was done, and to invoke again. */
export interface MigrateInProgressReport {
  readonly action: 'migrate';
  readonly database: string;
  readonly ok: true;
  /** True: the run is not finished; invoke the function with the same event again. */
  readonly inProgress: true;
  /** One sentence for the operator. */
  readonly message: string;
  readonly stopped: MigrateStop;
  readonly snapshot: SnapshotSummary | null;
  readonly migrate: MigrateReport;
}

/** The sentence a stopped run ends with: where it stopped, and what to do. */
export function describeStop(stopped: MigrateStop): string {
  if (stopped.reason === 'finish-deferred') return 'Every migration is applied; the fingerprint and verification did not fit in this invocation';
  const what = stopped.version === '' ? `repeatable migration ${stopped.name}` : `${stopped.version} (${stopped.name})`;
  return stopped.inProgress ? `Stopped in ${what}, its progress recorded` : `Stopped before ${what}`;
}

/** Builds the console's in-progress report. */
export function inProgressReport(ctx: ActionContext, result: Extract<BudgetedMigrateResult, { done: false }>, event: string): MigrateInProgressReport {
  return {
    action: 'migrate',
    database: ctx.driver.database,
    ok: true,
    inProgress: true,
    message: `${describeStop(result.stopped)}: the time budget of this invocation is used up. Invoke the function with ${event} again to continue.`,
    stopped: result.stopped,
    snapshot: result.snapshot?.snapshot ?? null,
    migrate: result.migrate,
  };
}
