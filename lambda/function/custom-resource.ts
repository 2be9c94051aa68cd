import type { ActionContext } from '../actions/action-context';
import { runSnapshot } from '../actions/snapshot-action';
import type { CustomResourceEvent, CustomResourceResponse, IsCompleteResponse } from '../events/custom-resource-event';
import { withInvocationSnapshotBudget } from '../actions/migrate-action';
import { advanceDeployment, type InvocationClock } from './deploy/advance-deployment';
import { invocationBudget } from './invocation-budget';

/** The physical id: one per database, stable across updates (a new id would make CloudFormation delete the old resource). */
export function physicalResourceId(database: string): string {
  return `rds-migrate:${database}`;
}

/**
 * Delete: never drops or alters anything in the database (the schema and data outlive the stack,
 * whatever the stack's own removal policies do). With `FinalSnapshot: "true"` it takes a snapshot
 * first (of the full scope, its time budget at most what the invocation may still spend); its failure
 * fails the Delete (the snapshot that was asked for does not exist), so nothing is deleted silently
 * without it.
 */
async function handleDelete(ctx: ActionContext, id: string, event: CustomResourceEvent, clock: InvocationClock): Promise<CustomResourceResponse> {
  if (event.ResourceProperties.FinalSnapshot !== 'true') {
    ctx.log.info('stack delete: the database is left as it is', { physicalResourceId: id });
    return { PhysicalResourceId: id };
  }
  ctx.log.info('stack delete: taking the final snapshot; the database is left as it is', { physicalResourceId: id });
  const snapshot = await runSnapshot(withInvocationSnapshotBudget(ctx, invocationBudget(clock.context, clock.env)));
  return { PhysicalResourceId: id, Data: { SnapshotId: snapshot.snapshotId } };
}

/**
 * The Provider framework's onEvent handler for the migration resource:
 * - Create / Update: starts the deployment and does as much of it as this invocation's time budget
 *   allows (snapshot, migrate to `TargetVersion` or the bundle's last, verify; or, for a stack
 *   rollback, the `OnRollback` policy: see `deploy/advance-deployment.ts`). Done: answers with `Data`
 *   (`CurrentVersion`, `Applied`, `SnapshotId`; for a rollback `Rollback` and `RetainedVersions` or
 *   `Reverted`). Not done: answers without `Data`, and the isComplete polls continue it.
 * - Delete: see {@link handleDelete}.
 * A failed migration, verification or rollback throws: the framework fails the deploy with the message.
 *
 * @returns the PhysicalResourceId (stable, {@link physicalResourceId}) and, when done, the attributes
 * @throws {MigrationError|HistoryValidationError|VerificationFailedError|RollbackRefusedError|DeployTimeLimitError|SnapshotError}
 */
export async function handleCustomResource(ctx: ActionContext, event: CustomResourceEvent, clock: InvocationClock = { env: {} }): Promise<CustomResourceResponse> {
  const id = event.PhysicalResourceId ?? physicalResourceId(ctx.driver.database);
  if (event.RequestType === 'Delete') return handleDelete(ctx, id, event, clock);
  const step = await advanceDeployment(ctx, event, clock, 'onEvent');
  return step.complete ? { PhysicalResourceId: id, Data: step.data } : { PhysicalResourceId: id };
}

/**
 * The Provider framework's isComplete handler: called at once after onEvent, then every query
 * interval. Continues a Create or Update where the previous invocation stopped (or reads that it is
 * done) and answers `IsComplete: true` with the attributes once it is; a Delete is complete at once
 * (onEvent did all of it).
 * @throws as {@link handleCustomResource}: the framework answers FAILED with the message at once
 */
export async function pollCustomResource(ctx: ActionContext, event: CustomResourceEvent, clock: InvocationClock): Promise<IsCompleteResponse> {
  if (event.RequestType === 'Delete') return { IsComplete: true };
  const step = await advanceDeployment(ctx, event, clock, 'isComplete');
  return step.complete ? { IsComplete: true, Data: step.data } : { IsComplete: false };
}
