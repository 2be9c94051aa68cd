import { status } from '../engine/commands/status';
import { planRestore, type RestorePlanReport } from '../snapshot/restore/restore-plan';
import type { RestoreTransaction } from '../snapshot';
import type { ActionContext } from './action-context';
import { SnapshotsDisabledError } from './snapshot-action';

export interface RestorePlanActionOptions {
  /** The snapshot whose restore is planned, as `list-snapshots` lists it. */
  readonly snapshotId: string;
  /** Plan a copy into this new schema of the context's database instead (see `runRestore`). @default in place */
  readonly targetSchema?: string;
  /** As `runRestore`'s. @default 'auto' */
  readonly transaction?: RestoreTransaction;
}

export interface RestorePlanActionReport {
  readonly action: 'restore';
  /** Nothing was changed: this is what a restore would do. */
  readonly dryRun: true;
  readonly plan: RestorePlanReport;
}

/**
 * A restore's dry run (`{"action":"restore","dryRun":true}`, `rds-migrate restore <id> --dry-run`): what
 * `runRestore` with the same options would do, from `planRestore`, or the refusal it would meet. In place,
 * the database's schema version is read from the schema history and compared with the snapshot's, as the
 * restore does; into a new schema (`targetSchema`), it is not. Reads only: no confirmation is needed, no
 * lock is taken, nothing is created.
 * @throws {RestoreError} when the restore would be refused (the same message, "nothing was changed")
 * @throws {SnapshotsDisabledError} when no bucket is configured
 */
export async function runRestorePlan(ctx: ActionContext, options: RestorePlanActionOptions): Promise<RestorePlanActionReport> {
  const target = ctx.snapshots;
  if (!target) throw new SnapshotsDisabledError();
  const into = options.targetSchema !== undefined ? { targetSchema: options.targetSchema } : { currentSchemaVersion: (await status(ctx.driver, ctx.bundle)).current };
  const plan = await planRestore({
    s3: target.s3, bucket: target.bucket, prefix: target.prefix, driver: ctx.driver, snapshotId: options.snapshotId, ...into,
    ...(options.transaction ? { transaction: options.transaction } : {}),
  });
  return { action: 'restore', dryRun: true, plan };
}
