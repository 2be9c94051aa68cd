import type { Driver } from '../driver/driver';
import { plan } from '../engine/commands/plan';
import { status } from '../engine/commands/status';
import { planRestore, type RestorePlanReport } from '../snapshot/restore/restore-plan';
import type { RestoreTransaction } from '../snapshot';
import type { ActionContext } from './action-context';
import { readRestoreManifest } from './restore-action';
import { SnapshotsDisabledError } from './snapshot-action';

export interface RestorePlanActionOptions {
  /** The snapshot whose restore is planned, as `list-snapshots` lists it. */
  readonly snapshotId: string;
  /** Plan a copy into this new schema of the context's database instead (see `runRestore`). @default in place */
  readonly targetSchema?: string;
  /**
   * Plan a copy into this other database of the cluster instead (see `runRestore`): the migrations that
   * would bring it to the snapshot's version first, then the load. @default in place
   */
  readonly targetDatabase?: string;
  /** As `runRestore`'s. @default 'auto' */
  readonly transaction?: RestoreTransaction;
}

/** Into another database: the migrations a restore would apply there before loading (`migrate` up to the snapshot's version). */
export interface RestorePlanMigrations {
  /** The target database's highest applied version now (null when none). */
  readonly current: string | null;
  /** The version they would end at: the snapshot's. */
  readonly target: string | null;
  /** The versions migrate would apply, in order; empty when the database is at the snapshot's version. */
  readonly pending: string[];
  /** Repeatable migrations it would (re-)apply after them, by name. */
  readonly repeatables: string[];
}

export interface RestorePlanActionReport {
  readonly action: 'restore';
  /** Nothing was changed: this is what a restore would do. */
  readonly dryRun: true;
  readonly plan: RestorePlanReport;
  /**
   * Into another database (`targetDatabase`), with a snapshot of a schema version: its migrations first.
   * With some pending, its tables are planned from the manifest (`planRestore`'s `migratesFirst`): they
   * exist only once those have run.
   */
  readonly migrations?: RestorePlanMigrations;
}

/**
 * A restore's dry run (`{"action":"restore","dryRun":true}`, `rds-migrate restore <id> --dry-run`): what
 * `runRestore` with the same options would do, from `planRestore`, or the refusal it would meet. In place,
 * the database's schema version is read from the schema history and compared with the snapshot's, as the
 * restore does; into a new schema (`targetSchema`), it is not. Into another database (`targetDatabase`),
 * the migrations the restore would apply there first are planned (the engine's `plan` up to the snapshot's
 * version, refused as migrate would refuse), then the load: checked against that database as in place when
 * it is at the snapshot's version already, planned from the manifest otherwise. Reads only: no
 * confirmation is needed, no lock is taken, nothing is created or migrated.
 * @throws {RestoreError} when the restore would be refused (the same message, "nothing was changed")
 * @throws {SnapshotsDisabledError} when no bucket is configured
 * @throws {HistoryValidationError} when the target database's migrations would refuse to start; the engine's
 *   `Error` naming `targetVersion` when the snapshot's version is not the bundle's or the target is past it
 * @throws {Error} naming the option when `options` give both `targetSchema` and `targetDatabase`, or a
 *   `targetDatabase` that `ctx` cannot open (no `openDatabase`)
 */
export async function runRestorePlan(ctx: ActionContext, options: RestorePlanActionOptions): Promise<RestorePlanActionReport> {
  const target = ctx.snapshots;
  if (!target) throw new SnapshotsDisabledError();
  if (options.targetSchema !== undefined && options.targetDatabase !== undefined) {
    throw new Error('targetSchema: give targetDatabase or targetSchema, not both (a copy goes into another database, or into a new schema of this one)');
  }
  const location = { s3: target.s3, bucket: target.bucket, prefix: target.prefix };
  const restorePlan = (driver: Driver, into: { targetSchema: string } | { currentSchemaVersion: string | null } | { migratesFirst: true }) =>
    planRestore({
      ...location, driver, sourceDatabase: ctx.driver.database, snapshotId: options.snapshotId, ...into,
      ...(options.transaction ? { transaction: options.transaction } : {}),
    });

  if (options.targetDatabase === undefined || options.targetDatabase === ctx.driver.database) {
    const into = options.targetSchema !== undefined ? { targetSchema: options.targetSchema } : { currentSchemaVersion: (await status(ctx.driver, ctx.bundle)).current };
    return { action: 'restore', dryRun: true, plan: await restorePlan(ctx.driver, into) };
  }

  if (!ctx.openDatabase) throw new Error(`targetDatabase: restoring into another database is not available here (no way to reach "${options.targetDatabase}")`);
  const manifest = await readRestoreManifest(ctx, options.snapshotId);
  const driver = ctx.openDatabase(options.targetDatabase);
  try {
    if (manifest.schemaVersion === null) {
      return { action: 'restore', dryRun: true, plan: await restorePlan(driver, { currentSchemaVersion: (await status(driver, ctx.bundle)).current }) };
    }
    const planned = await plan(driver, ctx.bundle, { appliedBy: ctx.appliedBy, targetVersion: manifest.schemaVersion });
    const migrations: RestorePlanMigrations = {
      current: planned.current,
      target: manifest.schemaVersion,
      pending: planned.migrations.map((m) => m.version),
      repeatables: planned.repeatables.map((r) => r.name),
    };
    const into = migrations.pending.length > 0 ? { migratesFirst: true as const } : { currentSchemaVersion: planned.current };
    return { action: 'restore', dryRun: true, plan: await restorePlan(driver, into), migrations };
  } finally {
    await driver.close().catch(() => undefined);
  }
}
