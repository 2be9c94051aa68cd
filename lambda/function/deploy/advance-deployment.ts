/**
 * One invocation's share of a CloudFormation Create or Update of the migration resource.
 *
 * ## Why the work is resumed by polls (the Provider framework's asynchronous pattern)
 *
 * A Lambda invocation lasts at most 15 minutes; CloudFormation waits up to an hour for a custom
 * resource. The CDK Provider framework bridges them: after the onEvent handler answers, a Step
 * Functions waiter calls the isComplete handler at once and then every query interval until it says
 * `IsComplete: true`, it throws (the framework then answers FAILED with the error message), or the
 * total timeout passes. Two ways to use that were possible:
 *
 * 1. onEvent invokes the function asynchronously (`InvocationType: Event`) to migrate, and isComplete
 *    only watches the database. That needs `lambda:InvokeFunction` on itself, leaves an invocation
 *    running that nobody answers for (a crash there is seen only as "no progress" until the time
 *    limit), and Lambda's own retries of an async invocation could run it twice at once.
 * 2. **Chosen:** every invocation (onEvent, then each isComplete poll) does as much as its time budget
 *    allows and records what it did (`deployment-record.ts`); the next poll continues. The engine
 *    already resumes exactly where a run stopped (the schema history, a non-transactional migration's
 *    statement count, a data migration's checkpoints), so a poll is the same code as the first
 *    invocation. Nothing runs unanswered: each invocation's outcome (progress, success, or an error with
 *    the migration, file, line and SQLSTATE) goes straight back to the framework, no extra IAM
 *    permission is needed, and a poll that crashed is simply followed by the next one.
 *
 * The deployment as a whole is bounded by `DeployTimeoutSeconds` (counted on the database clock from
 * the onEvent invocation): each invocation's budget ends at that limit too, and the first poll past it
 * fails the deploy naming what was applied, well before CloudFormation's one-hour limit.
 *
 * ## What an invocation does
 *
 * 1. Reads the schema history. An Update whose bundle lacks applied versions is a stack rollback
 *    (`stack-rollback.ts`): `retain` succeeds at once, `down` reverts them (budgeted too).
 * 2. With `BaselineVersion` (the construct's `baselineVersion`), baselines an empty schema history at
 *    that version first, and refuses a history that does not have it applied (`deployment-baseline.ts`).
 * 3. Otherwise stores the bundle's down scripts (`down-script-store.ts`) and runs the budgeted main job
 *    (`budgeted-migrate.ts`): the snapshot once per deployment, before its first change (none when the
 *    deployment resumes a migration left unfinished before it that a snapshot already covers: that one
 *    is the deployment's `SnapshotId`, see `actions/covering-snapshot.ts`), the pending migrations, then
 *    the fingerprint and verification.
 * 4. A lock held by another runner is waited for by polling (the poll answers "not complete").
 */
import type { ActionContext } from '../../actions/action-context';
import { runSnapshot, snapshotBeforeMigrate, snapshotSkipped } from '../../actions/snapshot-action';
import type { BundledMigration } from '../../migrations/bundle';
import { LockHeldError } from '../../engine/errors';
import { status as readStatus } from '../../engine/commands/status';
import type { TimeBudget } from '../../engine/run/time-budget';
import type { MigrationStatus, Status } from '../../engine/status/compute';
import type { CustomResourceData, CustomResourceEvent } from '../../events/custom-resource-event';
import { runVerification } from '../../verify/run-verification';
import { recordRunMetrics, verificationMetricValues } from '../../observability/metrics';
import { runMigrateStep, withInvocationSnapshotBudget } from '../../actions/migrate-action';
import type { SnapshotStep } from '../../actions/snapshot-action';
import { describeStop } from '../budgeted-migrate';
import { invocationBudget, type RemainingTime } from '../invocation-budget';
import { VerificationFailedError } from '../verification-failed-error';
import { DeployTimeLimitError } from './deploy-errors';
import { baselineFirstDeployment } from './deployment-baseline';
import { ensureDeployTables } from './deploy-tables';
import { resumeDeployment, startDeployment, updateDeployment, type DeploymentRecord } from './deployment-record';
import { storeDownScripts } from './down-script-store';
import { retainedData, revertAheadOfBundle, versionsAheadOfBundle } from './stack-rollback';

/** `DeployTimeoutSeconds` when the resource does not say: 45 minutes. */
export const DEFAULT_DEPLOY_TIMEOUT_SECONDS = 2_700;

/** Which of the Provider framework's handlers the invocation answers. */
export type ProviderPhase = 'onEvent' | 'isComplete';

/** One invocation's outcome: done (with the resource's attributes), or to be continued by a poll. */
export type DeploymentStep = { readonly complete: true; readonly data: CustomResourceData } | { readonly complete: false };

/** What the invocation runs with, besides the action context. */
export interface InvocationClock {
  /** The Lambda context (its remaining time); absent outside Lambda: no time limit per invocation. */
  readonly context?: RemainingTime;
  /** The function's environment (the time reserve, see `invocation-budget.ts`). */
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Advances a Create or Update deployment by one invocation (see the module doc).
 * @param phase `onEvent` starts (or restarts) the deployment's record; `isComplete` continues it
 * @throws {MigrationError|HistoryValidationError|VerificationFailedError|RollbackRefusedError|DeployTimeLimitError|SnapshotError}
 *   and anything else that fails the deployment: the record is marked failed first
 */
export async function advanceDeployment(ctx: ActionContext, event: CustomResourceEvent, clock: InvocationClock, phase: ProviderPhase): Promise<DeploymentStep> {
  if (event.RequestType === 'Delete') throw new Error('advanceDeployment: a Delete is not a deployment');
  const props = event.ResourceProperties;
  const requestId = event.RequestId ?? `${event.RequestType}:${props.MigrationsChecksum}`;
  await ensureDeployTables(ctx.driver, ctx.log);
  const request = { requestId, requestType: event.RequestType, migrationsChecksum: props.MigrationsChecksum, ...(event.LogicalResourceId ? { logicalResourceId: event.LogicalResourceId } : {}) };
  const record =
    phase === 'onEvent' ? await startDeployment(ctx.driver, ctx.log, request) : ((await resumeDeployment(ctx.driver, ctx.log, requestId)) ?? (await startDeployment(ctx.driver, ctx.log, request)));
  if (record.state === 'succeeded') return { complete: true, data: record.result ?? {} };
  if (record.state === 'failed') throw new Error(record.reason ?? `deployment ${requestId} failed earlier`);

  const limitSeconds = Number(props.DeployTimeoutSeconds ?? DEFAULT_DEPLOY_TIMEOUT_SECONDS);
  const fail = async (error: unknown): Promise<never> => {
    const reason = error instanceof Error ? error.message : String(error);
    await updateDeployment(ctx.driver, ctx.log, requestId, { state: 'failed', reason }).catch((e: unknown) =>
      ctx.log.warn('could not record the failed deployment', { error: (e as Error)?.message ?? String(e) }),
    );
    throw error;
  };
  if (record.elapsedMs >= limitSeconds * 1000) return fail(new DeployTimeLimitError(limitSeconds, record.applied, record.reason));
  const timeBudget = invocationBudget(clock.context, clock.env, Date.now() + (limitSeconds * 1000 - record.elapsedMs));
  ctx.log.info('deployment step', { phase, requestId, requestType: event.RequestType, invocation: record.invocations, elapsedMs: record.elapsedMs });

  try {
    const status = await readStatus(ctx.driver, ctx.bundle);
    const ahead = event.RequestType === 'Update' ? versionsAheadOfBundle(status, ctx.bundle) : [];
    const policy = props.OnRollback ?? 'retain';
    if (ahead.length > 0 && policy === 'retain') {
      ctx.log.warn('stack rollback: the database keeps the versions the old bundle does not have (onRollback retain)', {
        versions: ahead.map((s) => s.version),
      });
      const data = retainedData(status, ahead);
      await updateDeployment(ctx.driver, ctx.log, requestId, { state: 'succeeded', action: 'retain', result: data });
      return { complete: true, data };
    }
    if (ahead.length > 0 || record.action === 'down') return await revertStep(ctx, record, status, ahead, timeBudget);
    await baselineFirstDeployment(ctx, props.BaselineVersion, status);
    return await migrateStep(ctx, record, props.TargetVersion, timeBudget);
  } catch (error) {
    if (error instanceof LockHeldError) {
      // Another runner (a manual migrate, or this deployment's own invocation that Lambda stopped) holds
      // the lock: the next poll tries again, until the deploy time limit.
      ctx.log.warn('the migration lock is held: the next poll tries again', { holder: error.holder.owner, expiresAt: error.holder.expiresAt });
      await updateDeployment(ctx.driver, ctx.log, requestId, { reason: error.message });
      return { complete: false };
    }
    return fail(error);
  }
}

/** The deployment's one snapshot, taken before its first change by whichever invocation makes it. */
interface SnapshotOnce {
  /**
   * Before migrating `pending`: the snapshot (`snapshotBeforeMigrate`: its scope, budget, retention, and
   * at most the invocation's remaining time, or the existing one that covers a migration the deployment
   * resumes), or skipped when an earlier invocation took or reused it.
   */
  beforeMigrate(pending: BundledMigration[]): Promise<SnapshotStep>;
  /**
   * Before reverting (rollback `down`): a full snapshot (the stored down scripts carry no up script to
   * tell the affected tables from), unless the scope is `none`, or an earlier invocation took it.
   */
  beforeRevert(): Promise<SnapshotStep>;
  /** Its id once taken, by this invocation or an earlier one. */
  id(): string | null;
}

function snapshotOnce(ctx: ActionContext, record: DeploymentRecord, timeBudget: TimeBudget | undefined): SnapshotOnce {
  let snapshotId = record.snapshotId;
  const budgeted = withInvocationSnapshotBudget(ctx, timeBudget);
  const once = async (take: () => Promise<SnapshotStep>): Promise<SnapshotStep> => {
    if (snapshotId) {
      ctx.log.info('snapshot taken earlier in this deployment', { snapshotId });
      return { snapshot: null, skipped: `taken earlier in this deployment: ${snapshotId}` };
    }
    const decision = await take();
    // Taken now, or reused: the one covering the migration this deployment resumes (left unfinished
    // by an earlier deployment or a console migrate), recorded as this deployment's snapshot.
    const chosen = decision.snapshot?.snapshotId ?? decision.reused?.snapshotId;
    if (chosen) {
      snapshotId = chosen;
      await updateDeployment(ctx.driver, ctx.log, record.requestId, { snapshotId });
    }
    return decision;
  };
  return {
    id: () => snapshotId,
    beforeMigrate: (pending) => once(() => snapshotBeforeMigrate(budgeted, pending)),
    beforeRevert: () =>
      once(async () => {
        const skipped = snapshotSkipped(budgeted.snapshots);
        if (skipped !== undefined) return { snapshot: null, skipped };
        ctx.log.info('taking snapshot before reverting');
        return { snapshot: await runSnapshot(budgeted) };
      }),
  };
}

async function migrateStep(ctx: ActionContext, record: DeploymentRecord, targetVersion: string | undefined, timeBudget: TimeBudget | undefined): Promise<DeploymentStep> {
  await storeDownScripts(ctx.driver, ctx.bundle, ctx.appliedBy, ctx.log);
  const snapshots = snapshotOnce(ctx, record, timeBudget);
  const result = await runMigrateStep(ctx, {
    ...(targetVersion ? { targetVersion } : {}),
    ...(timeBudget ? { timeBudget } : {}),
    snapshot: (pending) => snapshots.beforeMigrate(pending),
    appliedEarlier: record.applied.length,
  });
  const migrate = result.done ? result.report.migrate : result.migrate;
  const applied = [...record.applied, ...migrate.applied.map((m) => m.version)];
  if (!result.done) {
    ctx.log.info('deployment continues in the next poll', { reason: describeStop(result.stopped), applied });
    await updateDeployment(ctx.driver, ctx.log, record.requestId, { action: 'migrate', applied });
    return { complete: false };
  }
  const report = result.report;
  if (!report.ok) {
    await updateDeployment(ctx.driver, ctx.log, record.requestId, { action: 'migrate', applied });
    throw new VerificationFailedError(report.verification);
  }
  const data = { CurrentVersion: report.migrate.current ?? '', Applied: applied.join(','), SnapshotId: snapshots.id() ?? '' };
  await updateDeployment(ctx.driver, ctx.log, record.requestId, { state: 'succeeded', action: 'migrate', applied, result: data });
  return { complete: true, data };
}

async function revertStep(
  ctx: ActionContext,
  record: DeploymentRecord,
  status: Status,
  ahead: readonly MigrationStatus[],
  timeBudget: TimeBudget | undefined,
): Promise<DeploymentStep> {
  let reverted = [...record.reverted];
  let current = status.current;
  const snapshots = snapshotOnce(ctx, record, timeBudget);
  if (ahead.length > 0) {
    await updateDeployment(ctx.driver, ctx.log, record.requestId, { action: 'down' });
    const report = await revertAheadOfBundle(ctx, ahead, {
      ...(timeBudget ? { timeBudget } : {}),
      beforeRevert: async () => void (await snapshots.beforeRevert()),
    });
    reverted = [...reverted, ...report.reverted.map((m) => m.version)];
    current = report.current;
    await updateDeployment(ctx.driver, ctx.log, record.requestId, { reverted });
    if (report.stopped) {
      ctx.log.info('stack rollback continues in the next poll', { reason: describeStop(report.stopped), reverted });
      return { complete: false };
    }
  }
  const verification = await runVerification(ctx.driver, ctx.bundle, { log: ctx.log, schemas: ctx.schemas });
  recordRunMetrics(verificationMetricValues(verification));
  if (!verification.ok) throw new VerificationFailedError(verification);
  const data = { CurrentVersion: current ?? '', Rollback: 'down', Reverted: reverted.join(','), SnapshotId: snapshots.id() ?? '' };
  await updateDeployment(ctx.driver, ctx.log, record.requestId, { state: 'succeeded', result: data });
  return { complete: true, data };
}
