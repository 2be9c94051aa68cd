import type { S3Client } from '@aws-sdk/client-s3';
import type { Driver } from '../driver/driver';
import type { DataMigrationLoader, DataMigrationProgressListener } from '../engine/data/data-migration';
import type { LockOptions } from '../engine/lock/lease';
import type { RunOptions, WriteOptions } from '../engine/options';
import type { TimeBudget } from '../engine/run/time-budget';
import type { MigrationBundle } from '../migrations/bundle';
import type { Log } from '../observability/log';
import type { SnapshotBudget } from '../snapshot/budget/snapshot-budget';
import type { SnapshotScope } from '../snapshot/scope/snapshot-scope';

/** Where snapshots go, and how they are taken. Absent: snapshots are off (the construct always configures a bucket). */
export interface SnapshotTarget {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Key prefix, '' or ending in `/`. */
  readonly prefix: string;
  /** What the snapshot before migrating covers: `full`, `affected` or `none` (`snapshot/scope/snapshot-scope.ts`). @default 'full' */
  readonly scope?: SnapshotScope;
  /** Size and time a snapshot may take; one that would not fit is refused, and the migration with it. @default no limit */
  readonly budget?: SnapshotBudget;
  /** Complete snapshots of the database kept after each new one; older ones are deleted (`snapshot/retention`). @default all kept */
  readonly keep?: number;
  /** Tables exported at once. @default 3 (`DEFAULT_PARALLELISM`) */
  readonly parallelism?: number;
  /**
   * The invocation's time (`withInvocationSnapshotBudget`): the export stops cleanly once it is spent
   * (`takeSnapshot`'s `timeBudget`), should the estimate checked against `budget` have been wrong.
   * @default none (no limit)
   */
  readonly timeBudget?: TimeBudget;
}

/**
 * Everything an action needs, built by its caller: the Lambda handler (Data API driver, env config)
 * or the CLI (pg or Data API driver, flags). The actions are the one engine both call.
 */
export interface ActionContext {
  readonly driver: Driver;
  readonly bundle: MigrationBundle;
  /** Schemas covered by snapshots. */
  readonly schemas: readonly string[];
  readonly snapshots?: SnapshotTarget;
  /** Recorded as `applied_by` in the schema history and shown as the lock's owner. */
  readonly appliedBy: string;
  /** How migrate waits for the lock another runner holds, and the lease length. @default engine defaults (fail at once, 60 s lease) */
  readonly lock?: LockOptions;
  readonly log: Log;
  /**
   * Opens a driver on another database of the same server or cluster (same credentials), for a restore
   * into another database; the caller closes it. Absent: such a restore is refused.
   */
  readonly openDatabase?: (database: string) => Driver;
  /**
   * Loads a data migration's bundled module (`engine/data/module-loader.ts`): in the function, from the
   * folder of `migrations.json`; in the CLI, from the folder it bundled the modules into. Absent: a run
   * that would apply or revert a data migration is refused before anything runs.
   */
  readonly loadDataMigration?: DataMigrationLoader;
  /**
   * Receives data migrations' progress after each batch (counts, never row data): the function logs
   * it (`function/data-progress-log.ts`), the CLI draws a progress bar. @default none
   */
  readonly onDataProgress?: DataMigrationProgressListener;
}

/** The engine's write options (`engine/options.ts`) an action passes on from its context, see {@link contextWriteOptions}. */
export type ContextWriteOptions = Pick<WriteOptions, 'appliedBy' | 'log' | 'lock'>;

/** The engine's run options an action passes on from its context, see {@link contextRunOptions}. */
export type ContextRunOptions = ContextWriteOptions & Pick<RunOptions, 'timeBudget' | 'loadDataMigration' | 'onDataProgress'>;

/**
 * What a command that takes the migration lock (baseline, repair, a restore's lease) takes from the action's
 * context: `appliedBy`, `log`, and `lock` where the context has it.
 */
export function contextWriteOptions(ctx: ActionContext): ContextWriteOptions {
  return { appliedBy: ctx.appliedBy, log: ctx.log, ...(ctx.lock ? { lock: ctx.lock } : {}) };
}

/**
 * What a migrate or rollback run takes from the action's context: {@link contextWriteOptions}, and, where
 * the context has them, `loadDataMigration` and `onDataProgress`; with `timeBudget` (an invocation's), that too.
 */
export function contextRunOptions(ctx: ActionContext, timeBudget?: TimeBudget): ContextRunOptions {
  return {
    ...contextWriteOptions(ctx),
    ...(timeBudget ? { timeBudget } : {}),
    ...(ctx.loadDataMigration ? { loadDataMigration: ctx.loadDataMigration } : {}),
    ...(ctx.onDataProgress ? { onDataProgress: ctx.onDataProgress } : {}),
  };
}
