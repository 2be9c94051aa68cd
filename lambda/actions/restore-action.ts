import { migrate, type MigrateReport } from '../engine/commands/migrate';
import { status } from '../engine/commands/status';
import { withLease } from '../engine/lock/with-lease';
import type { Driver } from '../driver/driver';
import type { TimeBudget } from '../engine/run/time-budget';
import { readManifest, RestoreError, restoreSnapshot, type RestoreProgress, type RestoreReport, type RestoreTransaction, type SnapshotManifest } from '../snapshot';
import { contextRunOptions, contextWriteOptions, type ActionContext } from './action-context';
import { SnapshotsDisabledError } from './snapshot-action';

export interface RestoreActionOptions {
  /** The snapshot to restore, as `list-snapshots` lists it. */
  readonly snapshotId: string;
  /** Must repeat `snapshotId`: the current rows of the snapshot's tables are replaced. */
  readonly confirm: string;
  /**
   * Restore a copy into this database (same server or cluster) for inspection instead of replacing the
   * rows of the context's database: its schema is first brought to the snapshot's version by applying
   * the bundle's migrations (it may be empty). @default the context's database (in place)
   */
  readonly targetDatabase?: string;
  /**
   * Restore a copy into this new schema of the context's database for inspection instead, next to the
   * live tables, which are not touched: the schema is created with the snapshot's tables (their columns,
   * types and key, from the manifest; not by applying the migrations, which name their schemas) and
   * loaded (`restoreSnapshot`'s `targetSchema`). Not with `targetDatabase`. @default in place
   */
  readonly targetSchema?: string;
  /** One transaction, per-table transactions, or `auto` (see `restoreSnapshot`). @default 'auto' */
  readonly transaction?: RestoreTransaction;
  /**
   * The invocation's time budget (`restoreSnapshot`'s `timeBudget`): a restore that does not fit stops
   * between batches as a `time-budget` RestoreError. Into `targetDatabase`, its migrations to the snapshot's
   * version stop between migrations too (a `time-budget` RestoreError, `databaseChanged` for that database
   * only): the same call again goes on from there. @default none (no limit: the CLI)
   */
  readonly timeBudget?: TimeBudget;
  /** Called (and awaited) after each INSERT batch, e.g. for a progress bar (see `RestoreProgress`). */
  readonly onProgress?: (progress: RestoreProgress) => void | Promise<void>;
}

export interface RestoreActionReport {
  readonly action: 'restore';
  /** The database restored into. */
  readonly database: string;
  /** The database the snapshot was taken of. */
  readonly sourceDatabase: string;
  /** For a restore into a new schema (`targetSchema`): that schema. */
  readonly schema?: string;
  /** For a restore into another database: what migrating it to the snapshot's version applied. */
  readonly migrated?: { readonly applied: string[]; readonly current: string | null };
  readonly restore: RestoreReport;
}

/**
 * Restores a snapshot (`restoreSnapshot`), holding the migration lock of the database restored into so
 * that no migration runs meanwhile:
 *
 * - in place (default): the context's database must be at the snapshot's schema version (its current
 *   version is read from the schema history and compared; roll back or migrate first otherwise);
 * - into `targetDatabase`: a driver is opened on it (`ctx.openDatabase`), its schema brought to the
 *   snapshot's version with the bundle's migrations (`migrate` with `targetVersion`), then the rows loaded.
 * - into `targetSchema`: a new schema of the context's database, created from the manifest and loaded
 *   (`restoreSnapshot`'s `targetSchema`); the live tables are not touched, whatever the database's version.
 *
 * The confirmation is checked before anything is read.
 * @throws {RestoreError} when the restore is refused or fails (`kind`, `databaseChanged`)
 * @throws {SnapshotsDisabledError} when no bucket is configured
 * @throws {LockHeldError} when a migration holds the lock; the engine's errors migrating the target database
 * @throws {Error} naming the option, before anything is read, when `options` give both `targetSchema` and
 *   `targetDatabase`, or a `targetDatabase` that `ctx` cannot open (no `openDatabase`): bad input, not a
 *   refused restore (the manual event's schema refuses the first case already)
 */
export async function runRestore(ctx: ActionContext, options: RestoreActionOptions): Promise<RestoreActionReport> {
  const target = ctx.snapshots;
  if (options.confirm !== options.snapshotId) {
    throw new RestoreError(
      `Restore of snapshot ${options.snapshotId} refused: confirm: ${JSON.stringify(options.confirm)} does not repeat the snapshot id ${options.snapshotId}; nothing was changed`,
      'confirmation',
      options.snapshotId,
      false,
    );
  }
  if (!target) throw new SnapshotsDisabledError();
  if (options.targetSchema !== undefined && options.targetDatabase !== undefined) {
    throw new Error('targetSchema: give targetDatabase or targetSchema, not both (a copy goes into another database, or into a new schema of this one)');
  }
  const sourceDatabase = ctx.driver.database;
  const location = { s3: target.s3, bucket: target.bucket, prefix: target.prefix };
  const restoreInto = async (driver: Driver, targetSchema?: string): Promise<RestoreReport> => {
    // A copy into a new schema does not depend on the live schema's version: its tables come from the manifest.
    const into = targetSchema !== undefined ? { targetSchema } : { currentSchemaVersion: (await status(driver, ctx.bundle)).current };
    return restoreSnapshot({
      ...location, driver, sourceDatabase, snapshotId: options.snapshotId, confirm: options.confirm, ...into, log: ctx.log,
      ...(options.transaction ? { transaction: options.transaction } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.timeBudget ? { timeBudget: options.timeBudget } : {}),
    });
  };
  const lease = contextWriteOptions(ctx);

  if (options.targetDatabase === undefined || options.targetDatabase === sourceDatabase) {
    const restore = await withLease(ctx.driver, lease, () => restoreInto(ctx.driver, options.targetSchema));
    return { action: 'restore', database: sourceDatabase, sourceDatabase, ...(options.targetSchema !== undefined ? { schema: options.targetSchema } : {}), restore };
  }

  if (!ctx.openDatabase) throw new Error(`targetDatabase: restoring into another database is not available here (no way to reach "${options.targetDatabase}")`);
  const manifest = await readRestoreManifest(ctx, options.snapshotId);
  const driver = ctx.openDatabase(options.targetDatabase);
  try {
    let migrated: MigrateReport | undefined;
    if (manifest.schemaVersion !== null) {
      ctx.log.info('bringing the target database to the snapshot version', { database: options.targetDatabase, version: manifest.schemaVersion });
      migrated = await migrate(driver, ctx.bundle, { ...contextRunOptions(ctx, options.timeBudget), targetVersion: manifest.schemaVersion });
      if (migrated.stopped) {
        throw new RestoreError(
          `Restore of snapshot ${options.snapshotId} into database "${options.targetDatabase}" stopped before loading: the invocation's time ran out ` +
            `while its migrations were applied up to the snapshot's version ${manifest.schemaVersion} (it is at ${migrated.current ?? 'no version'}; ` +
            `next: ${migrated.stopped.version || migrated.stopped.name}); invoke the same event again to go on from there. Database "${sourceDatabase}" was not touched`,
          'time-budget',
          options.snapshotId,
          true,
        );
      }
    }
    const restore = await withLease(driver, lease, () => restoreInto(driver));
    return {
      action: 'restore',
      database: driver.database,
      sourceDatabase,
      ...(migrated ? { migrated: { applied: migrated.applied.map((m) => m.version), current: migrated.current } } : {}),
      restore,
    };
  } finally {
    await driver.close().catch(() => undefined);
  }
}

/**
 * The manifest of snapshot `snapshotId` of the context's database, for a restore into another database,
 * which needs its schema version before anything else.
 * @throws {RestoreError} `snapshot`, "refused: ...; nothing was changed", when it cannot be read (missing,
 *   malformed)
 * @throws {SnapshotsDisabledError} when no bucket is configured
 */
export async function readRestoreManifest(ctx: ActionContext, snapshotId: string): Promise<SnapshotManifest> {
  const target = ctx.snapshots;
  if (!target) throw new SnapshotsDisabledError();
  return readManifest({ s3: target.s3, bucket: target.bucket, prefix: target.prefix, database: ctx.driver.database, snapshotId }).catch((error: unknown) => {
    throw new RestoreError(`Restore of snapshot ${snapshotId} refused: ${(error as Error).message}; nothing was changed`, 'snapshot', snapshotId, false, { cause: error });
  });
}
