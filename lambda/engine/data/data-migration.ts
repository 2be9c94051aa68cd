/**
 * TypeScript data migrations (the equivalent of Django's RunPython): a module exporting `up(ctx)` and
 * optionally `down(ctx)`, bundled by esbuild next to the function, run by migrate and rollback in the
 * migration's place in version order.
 *
 * ```ts
 * // migrations/0042_backfill_amount_cents/up.ts
 * import type { DataMigrationContext } from '<rds-migrate>/lambda/engine/data/data-migration';
 * export async function up(ctx: DataMigrationContext) {
 *   await ctx.backfill({ table: 'public.invoice', key: 'id', batchSize: 5000, set: 'amount_cents = round(amount * 100)', where: 'amount_cents IS NULL' });
 * }
 * ```
 *
 * ## How the bundle refers to one (`lambda/migrations/bundle.ts`)
 *
 * A data migration is a {@link BundledMigration} with a `data` member ({@link DataMigrationRef}):
 * `data.module` is the bundled module's path relative to the bundle (e.g. `data/0042_backfill.mjs`),
 * `data.down` whether it exports `down`. Its `up` script is the module's source (`file` e.g.
 * `0042_backfill_amount_cents/up.ts`, `checksum` of the source bytes, no statements): the checksum
 * recorded in the schema history, so an edited module is refused as a changed migration;
 * `transactional` is false. The compiler bundles the module with esbuild (`data-modules.ts`). The
 * runtime resolves `data.module` through the loader passed in the run's options
 * ({@link DataMigrationLoader}; `moduleLoader` in `module-loader.ts` imports it from a folder: in the
 * function, the folder of `migrations.json`; in the CLI, the folder it bundled the modules into).
 *
 * ## How it runs (`run-data-migration.ts`)
 *
 * 1. A schema history row of type `data` with success false: the migration reads "in progress".
 * 2. `up(ctx)` runs. Work done in batches through `ctx.batches` / `ctx.backfill` is checkpointed in
 *    `<historySchema>.backfill_progress` in the same transaction as each batch. Between batches the
 *    run stops cleanly when its time budget runs out; the row stays in progress, and the next
 *    migrate calls `up(ctx)` again, whose batch loops continue after their last checkpoint (a
 *    finished loop returns at once). Anything else `up` does runs again too, so write it to be
 *    safe to repeat.
 * 3. When `up` resolves, the row is marked applied.
 * rollback runs `down(ctx)` the same way and then writes the `undo` row and deletes the version's
 * checkpoints, in one transaction.
 */
import type { Executor, SqlParams } from '../../driver/driver';
import type { BundledMigration, DataMigrationRef } from '../../migrations/bundle';
import type { Log } from '../../observability/log';

export type { DataMigrationRef };

/** The migration's data migration reference, or undefined for a SQL migration. */
export function dataMigrationOf(migration: BundledMigration): DataMigrationRef | undefined {
  return migration.data;
}

/** What one batch did. */
export interface BatchResult {
  /** Rows the batch changed (added to the checkpoint's `rows_done`). */
  readonly rows: number;
  /** Where the next batch starts (stored as text), or null; passed back as `cursor`. */
  readonly cursor: string | null;
  /** True when this was the last batch. @default rows === 0 */
  readonly done?: boolean;
}

/** One batch: run its statements on `tx` (a transaction that also records the checkpoint). */
export type BatchFunction = (batch: {
  /** The batch's transaction, opened with the migration's lock and statement timeouts. */
  readonly tx: Executor;
  /** Where this batch starts: the previous batch's `cursor` (null for the first). */
  readonly cursor: string | null;
  /** 1-based number of this batch over all runs. */
  readonly number: number;
}) => Promise<BatchResult>;

/** What a batch loop did in this run, and in all. */
export interface BatchesReport {
  readonly name: string;
  /** Batches and rows of this run. */
  readonly batches: number;
  readonly rows: number;
  /** Totals over all runs. */
  readonly totalBatches: number;
  readonly totalRows: number;
}

/** Options of a batch loop (`DataMigrationContext.batches`). */
export interface BatchesOptions {
  /**
   * Rows the loop is expected to change in all (e.g. a `count(*)` the module made), for progress
   * reports' ETA ({@link DataMigrationProgress.estimatedTotalRows}). @default none
   */
  readonly estimatedRows?: number;
}

/**
 * Progress of a data migration's batch loop, reported after each batch to the run's
 * `onDataProgress` (`RunOptions`): counts only, never row data.
 */
export interface DataMigrationProgress {
  /** The data migration's version and name. */
  readonly version: string;
  readonly name: string;
  readonly direction: 'up' | 'down';
  /** The batch loop's name (a backfill's `name`, by default its table). */
  readonly loop: string;
  /** Batches and rows of this run so far. */
  readonly batches: number;
  readonly rows: number;
  /** Batches and rows over all runs (an earlier run cut off by its time budget included). */
  readonly totalBatches: number;
  readonly totalRows: number;
  /**
   * Rows expected in all, when known: the module's `estimatedRows`, or for a backfill PostgreSQL's
   * estimate of its table's rows (`pg_class.reltuples`, an upper bound when `where` filters; absent
   * when the table was never analysed). A bar's total; estimates lag, so `totalRows` may pass it.
   */
  readonly estimatedTotalRows?: number;
  /** True after the loop's last batch. */
  readonly finished: boolean;
  /** Time since the loop started in this run, ms (rate: `rows` / `elapsedMs`). */
  readonly elapsedMs: number;
}

/** Receives a data migration's progress after each batch; must not throw (an error it throws is logged and ignored). */
export type DataMigrationProgressListener = (progress: DataMigrationProgress) => void;

/**
 * A keyset-paginated UPDATE over a table, in batches of `batchSize` rows ordered by `key`: each batch
 * updates the next rows after the last key done, sets `set` on them, and checkpoints that key.
 * Every row matching `where` (as it stands when its batch runs) is updated exactly once.
 */
export interface BackfillSpec {
  /** The checkpoint's name, unique within the migration. @default `table` */
  readonly name?: string;
  /** The table, as written in SQL: `invoice`, `public.invoice`, `"Sales"."Invoice"`. */
  readonly table: string;
  /** A column with a unique index on it alone (the primary key), any ordered type. */
  readonly key: string;
  /** Rows per batch: each batch is one UPDATE, so keep it well within the 45 s call wait. */
  readonly batchSize: number;
  /** The SET list, e.g. `amount_cents = round(amount * 100)` (columns of the table, unqualified). */
  readonly set: string;
  /** Which rows to update, e.g. `amount_cents IS NULL`. @default all */
  readonly where?: string;
  /** Parameters used in `set` and `where` (`:name`). */
  readonly params?: SqlParams;
  /** Rows expected to be updated, for progress reports. @default PostgreSQL's estimate of the table's rows (`pg_class.reltuples`) */
  readonly estimatedRows?: number;
}

export interface DataMigrationContext {
  /** Statements outside any transaction (autocommit), e.g. a one-off DDL statement. */
  readonly db: Executor;
  /** The migration's log: never log row data. */
  readonly log: Log;
  readonly version: string;
  readonly name: string;
  readonly direction: 'up' | 'down';
  /** Time the run may still spend before its time budget's reserve, ms (Infinity without a budget). */
  remainingTimeMs(): number;
  /**
   * Runs `batch` until it reports done, each batch in a transaction with its checkpoint, continuing
   * after the last checkpoint of an earlier run; returns at once when the loop finished before.
   * Stops the run cleanly (throwing the engine's stop signal, which must not be caught) when the
   * time budget is too short for another batch. Each batch is reported to the run's progress
   * listener; `options.estimatedRows` gives its total.
   */
  batches(name: string, batch: BatchFunction, options?: BatchesOptions): Promise<BatchesReport>;
  /** A batched UPDATE (see {@link BackfillSpec}), on top of {@link batches}. */
  backfill(spec: BackfillSpec): Promise<BatchesReport>;
}

/** A data migration module. */
export interface DataMigration {
  up(ctx: DataMigrationContext): Promise<void>;
  down?(ctx: DataMigrationContext): Promise<void>;
}

/**
 * Resolves a data migration's module.
 * @param migration the bundled migration (its version, name, `data` reference)
 */
export type DataMigrationLoader = (ref: DataMigrationRef, migration: BundledMigration) => Promise<DataMigration>;
