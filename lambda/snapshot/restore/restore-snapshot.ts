import type { Driver, Executor, Transaction } from '../../driver/driver';
import { spendableMs, type TimeBudget } from '../../engine/run/time-budget';
import { backoffTransient, didNotRun, isTransientFailure, type TransientRetryOptions } from '../../engine/run/transient';
import { silentLog, type Log } from '../../observability/log';
import type { TableName } from '../keys';
import type { LineFormat } from '../line-format';
import { formatBytes } from '../budget/snapshot-budget';
import { manifestLineFormat, type ManifestSequence, type ManifestTable, type SnapshotManifest } from '../manifest';
import { qualifiedName, quoteIdentifier } from '../../driver/quote-identifier';
import type { SnapshotLocation } from '../snapshot-location';
import { createInspectionSchema, dropInspectionSchema } from './inspection-schema';
import type { LoadUnit } from './load-order';
import { applyLoadSettings, type LoadServer } from './load-settings';
import { loadTable, type LoadShape } from './load-table';
import { tableKey, type ForeignKey, type TargetCatalog, type TargetTable } from './restore-catalog';
import { RestoredRowsDiffer, RestoreError, type RestoreFailureKind } from './restore-error';
import { checkSnapshot, checkTarget, chooseTransaction, refusalsOf, type Refuse, type RestoreTransaction } from './restore-checks';
import { COMMIT_FACTOR, STOP_FACTOR, WorkPace, type PaceShortfall } from '../../engine/run/work-pace';
import { TableObjectMismatch, tableObjectStream } from './table-object-stream';


export interface RestoreSnapshotOptions extends Omit<SnapshotLocation, 'database'> {
  /** The database restored into: its snapshot tables are emptied and reloaded. */
  readonly driver: Driver;
  readonly snapshotId: string;
  /** Must repeat `snapshotId`: the current rows of the snapshot's tables are lost. */
  readonly confirm: string;
  /**
   * The database the snapshot was taken of (its folder in the bucket). @default driver.database (a
   * restore in place). Another name restores a copy of that database's snapshot into `driver`'s
   * database, whose tables must already exist (see `runRestore`, which applies the migrations first).
   */
  readonly sourceDatabase?: string;
  /**
   * Restore a copy into this new schema of `driver`'s database, for inspection, instead of replacing the
   * rows of the snapshot's tables: the schema must not exist; it is created with one table per snapshot
   * table, under the table's own name, of the snapshot's columns and types and its key as primary key,
   * nothing else (`inspection-schema.ts`), and loaded as a restore in place is (verified the same way).
   * A restore that fails drops what it created. Refused when two of the snapshot's tables share a name,
   * or the name is not one PostgreSQL allows for a new schema (`inspectionSchemaProblem`). Sequences are
   * not restored: the copy has none. @default the snapshot's own tables (in place)
   */
  readonly targetSchema?: string;
  /**
   * When given, the target's current schema version (highest applied migration, `null` for none): a
   * snapshot taken at another version is refused, since its rows fit the schema of its own version.
   */
  readonly currentSchemaVersion?: string | null;
  /**
   * `single`: everything in one transaction, so the restore is all or nothing; `per-table`: every object
   * is verified first, then the tables are emptied in one transaction and loaded in one transaction per
   * table (per foreign-key cycle); `auto`: `single` up to `singleTransactionMaxBytes` of lines.
   * @default 'auto'
   */
  readonly transaction?: RestoreTransaction;
  /** Largest snapshot (uncompressed lines) `auto` restores in one transaction, bytes. @default 1 GiB */
  readonly singleTransactionMaxBytes?: number;
  /** Largest INSERT parameter, bytes (see `load-table.ts`). @default 3.5 MiB */
  readonly batchBytes?: number;
  /** How long a statement waits for a lock on a table before the restore fails, ms (PostgreSQL `lock_timeout`). @default 30,000 */
  readonly lockTimeoutMs?: number;
  /**
   * Retries of a restore transaction after a transient failure before its commit (DatabaseResumingException,
   * throttling, 5xx, a dropped connection, a deadlock): the transaction is rolled back and run again from
   * its start (`inTransaction`); `{ retries: 0 }` fails at the first. @default DEFAULT_TRANSIENT_RETRY
   */
  readonly transientRetry?: TransientRetryOptions;
  /**
   * The time the restore may take (`engine/run/time-budget.ts`): in a Lambda function, the invocation's
   * remaining time less a reserve. Checked before anything is changed and after every INSERT: once nothing
   * is left beyond the reserve, the restore stops there as a `time-budget` failure, so that the function
   * answers and the transaction is rolled back at once, rather than Lambda stopping the function mid-load and
   * the transaction (its tables locked by the `TRUNCATE`) lingering until the Data API's 3-minute idle
   * timeout ends it. It also stops, the same way, as soon as the rate of its loading so far (measured over
   * at least 5 s and a tenth of its time) shows that the bytes left would take more than twice the time
   * left (`engine/run/work-pace.ts`), rather than holding its tables until the time is spent only to roll back.
   * With `per-table` the tables loaded before stay restored and the rest stay empty; to keep that rare, the
   * tables are emptied in the transaction that loads the first units until the rate is measured, which
   * commits only while the rest is projected to fit (and stops, changing nothing, otherwise). A restore
   * must finish in one invocation: the CLI (`rds-migrate restore`) runs one with no time limit.
   * @default none (no limit)
   */
  readonly timeBudget?: TimeBudget;
  /** @default silentLog */
  readonly log?: Log;
  /** Called (and awaited) after each INSERT, e.g. for a progress bar; it must not use the driver. */
  readonly onProgress?: (progress: RestoreProgress) => void | Promise<void>;
}

/** Progress of a running restore, after a batch of a table. */
export interface RestoreProgress extends TableName {
  readonly snapshotId: string;
  readonly tableIndex: number;
  readonly tableCount: number;
  /** Rows of this table loaded so far. */
  readonly rows: number;
  /** Rows of this table in the snapshot. */
  readonly totalRows: number;
  /** Bytes of this table's lines loaded so far (uncompressed, as the manifest counts them). */
  readonly bytes: number;
  /** Bytes of this table's lines in the snapshot (its manifest `bytes`). */
  readonly totalBytes: number;
  /** Rows of every table the restore loads (the manifest's, the schema history's own left out). */
  readonly restoreRows: number;
  /** Bytes of every table the restore loads. */
  readonly restoreBytes: number;
}

/** One table as restored and verified. */
export interface RestoredTable extends TableName {
  readonly rows: number;
  /** INSERT statements. */
  readonly batches: number;
  /** The table object's SHA-256, checked against the manifest while it was read. */
  readonly checksum: string;
  /**
   * The rows were proven as they were loaded (`load-table.ts`): `record` lines, the text PostgreSQL received
   * and the rows it stored, and each row rendered back to its line unless every column's type reads its
   * text back exactly (`exact-text-types.ts`); `json` lines, the digest of the rows stored (`row-digest.ts`).
   */
  readonly verified: true;
}

export interface RestoreReport {
  readonly snapshotId: string;
  /** The database restored into. */
  readonly database: string;
  /** The database the snapshot was taken of. */
  readonly sourceDatabase: string;
  /** The snapshot's schema version. */
  readonly schemaVersion: string | null;
  readonly transaction: 'single' | 'per-table';
  /** Tables in the order they were loaded (parents before children). */
  readonly tables: RestoredTable[];
  /** Sequences reset to their snapshot values. */
  readonly sequences: ManifestSequence[];
  /** Tables of the snapshot not restored: the schema history's own (`rds_migrate`). */
  readonly skipped: TableName[];
  readonly totalRows: number;
  readonly durationMs: number;
}

const display = (t: TableName) => `"${t.schema}"."${t.table}"`;

/**
 * Restores a snapshot: empties its tables in the target database and reloads them from the snapshot's
 * objects, then proves the result.
 *
 * Refused with a {@link RestoreError} before anything is read when `confirm` does not repeat the
 * snapshot id; before the database is touched when the snapshot is incomplete (no manifest, an object
 * missing), does not match its manifest (a key, a size), was taken at another schema version than
 * `currentSchemaVersion`, or the database cannot take it (`restoreObstacles`: a missing table or
 * column, a table outside the snapshot referencing one of its tables, a missing sequence).
 *
 * Then, in one transaction (`transaction: 'single'`):
 * 1. the export settings (UTC, hex bytea, ...) and `lock_timeout`; user triggers of the tables disabled
 *    (`ALTER TABLE ... DISABLE TRIGGER USER`, so that audit or timestamp triggers do not rewrite the
 *    rows; the table owner may do it);
 * 2. every table emptied in one `TRUNCATE` (`ONLY` for plain tables, so inheritance children outside
 *    the snapshot keep their rows);
 * 3. the tables loaded parents before children (`load-order.ts`, from `pg_constraint`). PostgreSQL checks
 *    a NOT DEFERRABLE foreign key at the end of each statement, and deferring all constraints
 *    (`session_replication_role`) needs superuser, which the Data API's user is not: so only the foreign
 *    keys of a cycle (or a table that references itself) are made `DEFERRABLE` for the transaction,
 *    deferred, checked by `SET CONSTRAINTS ALL IMMEDIATE` once loaded, and made `NOT DEFERRABLE` again;
 * 4. each object is streamed from S3, gunzipped and checked against the manifest as it is loaded (bytes,
 *    rows, SHA-256: `table-lines.ts`), in INSERT batches under the Data API's 4 MiB request limit
 *    (`load-table.ts`);
 * 5. each INSERT proves its rows (`load-table.ts`): `record` lines, PostgreSQL answers the SHA-256 of the
 *    text it received, the rows it stored and whether each row renders back to its line (`record-batch.ts`;
 *    not rendered when every column's type is the snapshot's and one whose text reads back exactly,
 *    `exact-text-types.ts`, where the rendering would give the line back by PostgreSQL's own contract); `json` lines,
 *    the digest of the rows inserted rendered as the export renders rows, compared with the lines'
 *    (`row-digest.ts`). A difference (a type that does not read back, a column whose type differs from
 *    the snapshot's) fails the restore as `verification`;
 * 6. the sequences recorded with each table are reset (`setval`, last: sequences are not transactional)
 *    and the transaction commits.
 * Any failure rolls everything back: the database is as it was (`databaseChanged: false`). A transient
 * failure before the commit (a dropped connection, throttling, a 5xx, a cluster resuming) rolls back and
 * runs the transaction again from its start (`transientRetry`), never re-sending a batch inside it (a
 * lost INSERT may have run). A failed commit is not retried.
 *
 * With `per-table` every object is read and verified first, the tables are emptied in one committed
 * transaction, then each load unit is loaded, verified and committed on its own; a failure then leaves
 * the tables before it restored and the rest empty (`databaseChanged: true`, the message names them).
 * With a `timeBudget`, the transaction that empties the tables also loads the first units, until the
 * loading rate is measured (`engine/run/work-pace.ts`), and commits only while the rest is projected to fit in the
 * time left: a restore that cannot finish in the invocation stops there with nothing changed.
 *
 * With a `timeBudget` (the function's invocation) the restore is refused before anything changes when no
 * time is left (checked again before each object `per-table` checks first), and stops after the INSERT
 * that finds the time spent, or its loading too slow to finish in it (`engine/run/work-pace.ts`): rolled back with
 * `single`; with `per-table`, the unit rolled back and the tables not restored by then left empty (kind
 * `time-budget`).
 *
 * Restoring into another database (`sourceDatabase`) is the same once its tables exist. Into a new schema
 * of the same database (`targetSchema`), the schema and its tables are first created from the manifest
 * (`inspection-schema.ts`; not by applying the migrations, which name their schemas), then loaded the
 * same way; a failure drops them.
 *
 * @throws {RestoreError} naming the kind of failure, the snapshot and whether the database changed
 */
export async function restoreSnapshot(options: RestoreSnapshotOptions): Promise<RestoreReport> {
  const started = Date.now();
  const log = options.log ?? silentLog;
  const snapshotId = options.snapshotId;
  const refuse = refusalsOf(snapshotId);
  if (options.confirm !== snapshotId) {
    refuse('confirmation', `confirm: ${JSON.stringify(options.confirm)} does not repeat the snapshot id ${snapshotId}`);
  }
  const driver = options.driver;
  const sourceDatabase = options.sourceDatabase ?? driver.database;
  const location: SnapshotLocation = { s3: options.s3, bucket: options.bucket, prefix: options.prefix ?? '', database: sourceDatabase };
  const lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs < 0) throw new Error(`lockTimeoutMs: ${lockTimeoutMs} must be a whole number of milliseconds`);

  const { manifest, tables, skipped } = await checkSnapshot(location, snapshotId, options, refuse);
  if (outOfTime(options.timeBudget)) refuse('time-budget', timeRanOut('before anything was loaded'));
  const targetSchema = options.targetSchema;
  if (targetSchema !== undefined) {
    try {
      await createInspectionSchema(driver, targetSchema, tables);
    } catch (error) {
      refuse('database', `cannot create schema "${targetSchema}" and its tables: ${describeError(error)}`, error);
    }
    log.info('inspection schema created', { snapshotId, database: driver.database, schema: targetSchema, tables: tables.length });
  }
  try {
    return await restoreTables(options, { manifest, tables, skipped, location, sourceDatabase, lockTimeoutMs, started, log, refuse });
  } catch (error) {
    if (targetSchema === undefined) throw error;
    const dropped = await dropInspectionSchema(driver, targetSchema, tables);
    if (!(error instanceof RestoreError)) throw error;
    const outcome = dropped ? `the schema "${targetSchema}" created for it was dropped` : `the schema "${targetSchema}" created for it could not be dropped: drop it`;
    throw new RestoreError(`${error.message}; ${outcome}`, error.kind, snapshotId, !dropped, { cause: error.cause ?? error });
  }
}

/** What `restoreSnapshot` has read and checked before it loads anything. */
interface CheckedRestore {
  readonly manifest: SnapshotManifest;
  /** The tables to load (in `targetSchema` when given). */
  readonly tables: readonly ManifestTable[];
  readonly skipped: TableName[];
  readonly location: SnapshotLocation;
  readonly sourceDatabase: string;
  readonly lockTimeoutMs: number;
  /** When the restore started (`Date.now()`). */
  readonly started: number;
  readonly log: Log;
  readonly refuse: Refuse;
}

/** Checks that the database can take `plan.tables`, then empties and loads them (see `restoreSnapshot`). */
async function restoreTables(options: RestoreSnapshotOptions, plan: CheckedRestore): Promise<RestoreReport> {
  const { manifest, tables, skipped, location, sourceDatabase, lockTimeoutMs, started, log, refuse } = plan;
  const { driver, snapshotId } = options;
  const { catalog, sequences, units } = await checkTarget(driver, tables, refuse);
  const totalBytes = tables.reduce((sum, t) => sum + t.bytes, 0);
  const mode = chooseTransaction(options, totalBytes);
  log.info('restore started', { snapshotId, database: driver.database, sourceDatabase, tables: tables.length, units: units.length, transaction: mode });

  const context: LoadContext = {
    options, location, catalog, lockTimeoutMs, log, tableCount: tables.length,
    restoreRows: tables.reduce((sum, t) => sum + t.rowCount, 0), restoreBytes: totalBytes, indexOf: new Map(tables.map((t, i) => [tableKey(t), i])),
    lineFormat: manifestLineFormat(manifest), pace: new WorkPace(),
  };
  const restored: RestoredTable[] = [];
  const retry = { options: options.transientRetry, log };
  if (mode === 'single') {
    try {
      await inTransaction(driver, retry, 'restore transaction', async (tx) => {
        const loaded: RestoredTable[] = [];
        const server = await prepare(tx, context);
        await tx.execute(truncateStatement(tables));
        for (const [i, unit] of units.entries()) loaded.push(...(await loadUnit(tx, unit, context, server, bytesBefore(units, i), STOP_FACTOR)));
        await resetSequences(tx, sequences);
        return () => restored.push(...loaded);
      });
    } catch (error) {
      if (error instanceof CommitOutcomeUnknown) throw failure(error.cause, snapshotId, true, COMMIT_UNKNOWN);
      throw failure(error, snapshotId, false, 'everything was rolled back; the database is as it was');
    }
  } else {
    for (const table of tables) {
      if (outOfTime(options.timeBudget)) refuse('time-budget', timeRanOut("while the snapshot's objects were checked, before anything was changed"));
      try {
        await readThrough(location, table, context.lineFormat);
      } catch (error) {
        if (error instanceof TableObjectMismatch) refuse('snapshot', error.message, error);
        throw error;
      }
    }
    // With a time budget, the first units load in the transaction that empties the tables, until the pace
    // has measured the rate: it commits only while the rest is projected to fit, so a restore that cannot
    // finish in the invocation stops with nothing changed rather than with its tables emptied.
    let next = 0;
    try {
      await inTransaction(driver, retry, 'restore: empty the tables', async (tx) => {
        const server = await prepare(tx, context);
        await tx.execute(truncateStatement(tables));
        const loaded: RestoredTable[] = [];
        let i = 0;
        for (; i < units.length && options.timeBudget !== undefined && !context.pace.measured; i++) {
          loaded.push(...(await loadUnit(tx, units[i]!, context, server, bytesBefore(units, i), COMMIT_FACTOR)));
        }
        // The units loaded here enabled their own tables' triggers again (`loadUnit`).
        await enableTriggers(tx, context, units.slice(i).flatMap((unit) => unit.tables));
        return () => {
          restored.push(...loaded);
          next = i;
          log.info('restore tables emptied', { snapshotId, loadedWithThem: loaded.map(display) });
        };
      });
    } catch (error) {
      if (error instanceof CommitOutcomeUnknown) throw failure(error.cause, snapshotId, true, 'the answer to emptying the tables was lost: they may be empty');
      throw failure(error, snapshotId, false, 'the tables were not emptied; the database is as it was');
    }
    for (const [i, unit] of units.entries()) {
      if (i < next) continue;
      try {
        if (outOfTime(options.timeBudget)) {
          throw new RestoreError(timeRanOut(`before loading ${unit.tables.map(display).join(', ')}`), 'time-budget', snapshotId, false);
        }
        await inTransaction(driver, retry, `restore: load ${unit.tables.map(display).join(', ')}`, async (tx) => {
          const server = await prepare(tx, context, unit.tables);
          const loaded = await loadUnit(tx, unit, context, server, bytesBefore(units, i), STOP_FACTOR);
          return () => restored.push(...loaded);
        });
      } catch (error) {
        const done = restored.map(display).join(', ') || 'none';
        throw failure(error, snapshotId, true, `the snapshot's tables were emptied; restored before the failure: ${done}; the others are empty until a restore succeeds`);
      }
    }
    try {
      await resetSequences(driver, sequences);
    } catch (error) {
      throw failure(error, snapshotId, true, 'every table was restored but its sequences were not reset');
    }
  }
  const totalRows = restored.reduce((sum, t) => sum + t.rows, 0);
  const report: RestoreReport = {
    snapshotId,
    database: driver.database,
    sourceDatabase,
    schemaVersion: manifest.schemaVersion,
    transaction: mode,
    tables: restored,
    sequences,
    skipped,
    totalRows,
    durationMs: Date.now() - started,
  };
  log.info('restore complete', { snapshotId, database: driver.database, tables: restored.length, totalRows, durationMs: report.durationMs });
  return report;
}

interface LoadContext {
  readonly options: RestoreSnapshotOptions;
  readonly location: SnapshotLocation;
  readonly catalog: TargetCatalog;
  readonly lockTimeoutMs: number;
  readonly log: Log;
  readonly tableCount: number;
  /** Rows and bytes of all the tables loaded (for progress). */
  readonly restoreRows: number;
  readonly restoreBytes: number;
  readonly indexOf: Map<string, number>;
  /** How the snapshot's table objects hold their rows (the manifest's). */
  readonly lineFormat: LineFormat;
  /** The loading's rate, measured across transactions, to stop a restore that cannot finish in its `timeBudget`. */
  readonly pace: WorkPace;
}

/** Bytes of lines of the units before `units[index]` (loaded before it). */
function bytesBefore(units: readonly LoadUnit<ManifestTable>[], index: number): number {
  return units.slice(0, index).reduce((sum, unit) => sum + unit.tables.reduce((s, t) => s + t.bytes, 0), 0);
}

/** The commit was sent and its answer lost (5xx, a dropped connection): it may or may not have happened. */
class CommitOutcomeUnknown extends Error {
  override readonly name = 'CommitOutcomeUnknown';
  constructor(override readonly cause: unknown) {
    super('the commit\'s answer was lost', { cause });
  }
}

/** The outcome of a single-transaction restore whose commit answer was lost. */
const COMMIT_UNKNOWN =
  'the commit\'s answer was lost, so the restore may have been committed or not: check the tables, or restore again (it replaces the same rows)';

/**
 * Runs `work` in a transaction: commit when it resolves, then its `done` (what to record of it);
 * rollback (errors ignored) when it throws. A transient failure before the commit (`isTransientFailure`,
 * of a statement or inside a RestoreError's cause) rolls the transaction back and runs `work` again in a
 * new one, with backoff: nothing of the failed attempt can be committed, so no row is loaded twice. A
 * failed commit is not retried.
 * @throws {CommitOutcomeUnknown} when the commit's answer was lost (it may have committed)
 * @throws the last error when it is not transient or the retries are used up
 */
async function inTransaction(
  driver: Driver,
  retry: { readonly options: TransientRetryOptions | undefined; readonly log: Log },
  what: string,
  work: (tx: Transaction) => Promise<() => void>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let tx: Transaction;
    try {
      tx = await driver.beginTransaction();
    } catch (error) {
      if (isTransientFailure(error) && (await backoffTransient(`${what} (begin)`, attempt, error, retry.options, retry.log))) continue;
      throw error;
    }
    let done: () => void;
    try {
      done = await work(tx);
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      const cause = error instanceof RestoreError && error.cause !== undefined ? error.cause : error;
      if (isTransientFailure(cause) && (await backoffTransient(`${what} (rolled back, run again)`, attempt, cause, retry.options, retry.log))) continue;
      throw error;
    }
    try {
      await tx.commit();
    } catch (error) {
      // A PostgreSQL error at commit (a deferred check) rolled it back; a lost answer leaves it unknown.
      if (didNotRun(error)) throw error;
      throw new CommitOutcomeUnknown(error);
    }
    done();
    return;
  }
}

/**
 * The transaction's settings (`load-settings.ts`: the export's rendering, `lock_timeout`, generic plans)
 * and, for `triggersOf` (default: every table), their user triggers disabled for the transaction.
 * @returns the server the load statements are built for (its version)
 */
async function prepare(tx: Executor, context: LoadContext, triggersOf?: readonly TableName[]): Promise<LoadServer> {
  const server = await applyLoadSettings(tx, context.lockTimeoutMs);
  const tables = triggersOf ?? [...context.catalog.tables.values()];
  for (const table of tables) {
    const target = context.catalog.tables.get(tableKey(table));
    if (target && target.userTriggers.length > 0) await tx.execute(`ALTER TABLE ${qualifiedName(table.schema, table.table)} DISABLE TRIGGER USER`);
  }
  return server;
}

/** Enables again the user triggers `prepare` disabled on `tables`. */
async function enableTriggers(tx: Executor, context: LoadContext, tables: readonly TableName[]): Promise<void> {
  for (const table of tables) {
    const target = context.catalog.tables.get(tableKey(table));
    if (target && target.userTriggers.length > 0) await tx.execute(`ALTER TABLE ${qualifiedName(table.schema, table.table)} ENABLE TRIGGER USER`);
  }
}

/** `TRUNCATE ONLY a, p, ONLY b`: every table at once (foreign keys among them allow it), partitioned ones whole. */
function truncateStatement(tables: readonly ManifestTable[]): string {
  return `TRUNCATE ${tables.map((t) => `${t.kind === 'partitioned' ? '' : 'ONLY '}${qualifiedName(t.schema, t.table)}`).join(', ')}`;
}

/**
 * Loads one unit's tables through `tx`: its cycle's foreign keys deferred, each table loaded (its object
 * checked against the manifest as it streams) and verified batch by batch (`loadTable`), the deferred
 * checks run, the triggers enabled again. After every batch, with a time budget, it stops (`time-budget`)
 * when the time is spent or when the pace projects the rest (the restore's bytes less `unitBytesBefore`,
 * those of the units loaded before, and of this unit's loaded so far) to take more than `shortfallFactor`
 * times the time left.
 */
async function loadUnit(
  tx: Transaction,
  unit: LoadUnit<ManifestTable>,
  context: LoadContext,
  server: LoadServer,
  unitBytesBefore: number,
  shortfallFactor: number,
): Promise<RestoredTable[]> {
  const { options, location, log } = context;
  const altered = unit.cyclicKeys.filter((k) => !k.deferrable);
  for (const key of altered) await tx.execute(`ALTER TABLE ${qualifiedName(key.from.schema, key.from.table)} ALTER CONSTRAINT ${quoteIdentifier(key.name)} DEFERRABLE`);
  if (unit.cyclicKeys.length > 0) await tx.execute(`SET CONSTRAINTS ${constraintNames(unit.cyclicKeys)} DEFERRED`);

  const restored: RestoredTable[] = [];
  let bytesBeforeTable = unitBytesBefore;
  for (const table of unit.tables) {
    let tableBytes = 0;
    const tableIndex = context.indexOf.get(tableKey(table)) ?? 0;
    const started = Date.now();
    let result;
    const shape = loadShape(table, context.catalog.tables.get(tableKey(table)), context.lineFormat);
    try {
      // Record lines of a table whose columns are not the snapshot's are read as the row type of a
      // temporary table of just the snapshot's columns (the target's types), dropped once loaded.
      if (shape.rowType) {
        await tx.execute(
          `CREATE TEMPORARY TABLE ${shape.rowType} ON COMMIT DROP AS SELECT ${table.columns.map((c) => quoteIdentifier(c.name)).join(', ')} ` +
            `FROM ${qualifiedName(table.schema, table.table)} WITH NO DATA`,
        );
      }
      result = await loadTable(tx, table, tableObjectStream(location, table, context.lineFormat), {
        batchBytes: options.batchBytes,
        shape,
        serverVersion: server.serverVersion,
        onBatch: async ({ rows, bytes }) => {
          await options.onProgress?.({
            snapshotId: options.snapshotId, schema: table.schema, table: table.table, tableIndex, tableCount: context.tableCount,
            rows, totalRows: table.rowCount, bytes, totalBytes: table.bytes, restoreRows: context.restoreRows, restoreBytes: context.restoreBytes,
          });
          const batchBytes = bytes - tableBytes;
          tableBytes = bytes;
          const leftMs = spendableMs(options.timeBudget);
          if (leftMs === undefined) return;
          const where = `while loading table ${display(table)}, after ${rows} of its ${table.rowCount} rows`;
          if (leftMs === 0) throw new RestoreError(timeRanOut(where), 'time-budget', options.snapshotId, false);
          const shortfall = context.pace.observe(batchBytes, context.restoreBytes - bytesBeforeTable - bytes, leftMs, shortfallFactor);
          if (shortfall) throw new RestoreError(wouldNotFinish(shortfall, where), 'time-budget', options.snapshotId, false);
        },
      });
    } catch (error) {
      // The time budget's own stop (`onBatch` above), as it is.
      if (error instanceof RestoreError) throw error;
      if (error instanceof RestoredRowsDiffer) {
        throw new RestoreError(
          `table ${display(table)} does not hold the snapshot's rows: ${error.message} (a trigger, a default or a type that does not read back changed them)`,
          'verification',
          options.snapshotId,
          false,
          { cause: error },
        );
      }
      const kind: RestoreFailureKind = error instanceof TableObjectMismatch ? 'snapshot' : 'load';
      throw new RestoreError(`loading table ${display(table)}: ${describeError(error)}`, kind, options.snapshotId, false, { cause: error });
    }
    log.info('restore table loaded', {
      snapshotId: options.snapshotId, schema: table.schema, table: table.table, rows: result.rows, batches: result.batches,
      through: context.lineFormat === 'record' ? 'record' : shape.jsonb ? 'jsonb' : 'json', wholeRow: shape.wholeRow,
      ...(context.lineFormat === 'record' ? { rowsRendered: shape.renderRows } : {}), durationMs: Date.now() - started,
    });
    bytesBeforeTable += table.bytes;
    if (shape.rowType) await tx.execute(`DROP TABLE ${shape.rowType}`);
    restored.push({ schema: table.schema, table: table.table, rows: result.rows, batches: result.batches, checksum: table.checksum, verified: true });
  }

  if (unit.cyclicKeys.length > 0) await tx.execute('SET CONSTRAINTS ALL IMMEDIATE');
  for (const key of altered) await tx.execute(`ALTER TABLE ${qualifiedName(key.from.schema, key.from.table)} ALTER CONSTRAINT ${quoteIdentifier(key.name)} NOT DEFERRABLE`);
  await enableTriggers(tx, context, unit.tables);

  return restored;
}

/** What to do about a restore that does not fit its invocation, the end of every `time-budget` message. */
const ONE_INVOCATION =
  'A restore must finish in one invocation: run it with the CLI (`rds-migrate restore <snapshot id> --confirm <snapshot id>`, no time limit), ' +
  'or give the function a longer timeout';

/** The message of a `time-budget` failure when the time ran out: where the restore was (`where`). */
function timeRanOut(where: string): string {
  return `the invocation's time ran out ${where}. ${ONE_INVOCATION}`;
}

/** The message of a `time-budget` failure when the rest of the restore would not fit (`engine/run/work-pace.ts`). */
function wouldNotFinish(shortfall: PaceShortfall, where: string): string {
  const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;
  return (
    `the restore would not finish in the invocation's time: at the rate of its loading so far (${formatBytes(shortfall.bytesPerSecond)}/s ` +
    `over ${seconds(shortfall.measuredMs)}), the ${formatBytes(shortfall.bytesLeft)} of lines still to load would take about ${seconds(shortfall.needMs)}, ` +
    `and ${seconds(shortfall.leftMs)} are left; it stopped ${where}. ${ONE_INVOCATION}`
  );
}

/** Whether `budget` has nothing left beyond its reserve (never without a budget). */
function outOfTime(budget: TimeBudget | undefined): boolean {
  return spendableMs(budget) === 0;
}

/** The temporary table whose row type reads `record` lines when the target's columns are not the snapshot's. */
const RECORD_ROW_TYPE = 'pg_temp.rds_restore_row';

/**
 * How a table can be loaded: whole rows when its columns are the snapshot's (`record` lines read as its own
 * row type, else as {@link RECORD_ROW_TYPE}'s); `record` rows rendered back to prove them unless every
 * snapshot column's target type is the manifest's and reads its text back exactly (`exact-text-types.ts`);
 * `json` lines through jsonb unless a column keeps JSON text.
 */
function loadShape(table: ManifestTable, target: TargetTable | undefined, lineFormat: LineFormat): LoadShape {
  const columns = target?.columns ?? [];
  const wholeRow =
    columns.length === table.columns.length && columns.every((c, i) => !c.generated && c.name === table.columns[i]!.name);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const exactTypes = table.columns.every((c) => {
    const column = byName.get(c.name);
    return column !== undefined && column.exactText && column.type === c.type;
  });
  return {
    lineFormat,
    ...(lineFormat === 'record' && !wholeRow ? { rowType: RECORD_ROW_TYPE } : {}),
    renderRows: !exactTypes,
    jsonb: target !== undefined && !target.keepsJsonText,
    wholeRow,
    lineBreaks: target?.mayHoldLineBreaks ?? true,
  };
}

/** Reads a table object through, checking it against its manifest entry (`per-table` restores check every object first). */
async function readThrough(location: SnapshotLocation, table: ManifestTable, format: LineFormat): Promise<void> {
  for await (const chunk of tableObjectStream(location, table, format)) void chunk;
}

/** `setval` of every sequence in one statement (PostgreSQL docs, 9.17 "Sequence Manipulation Functions"). */
async function resetSequences(executor: Executor, sequences: readonly ManifestSequence[]): Promise<void> {
  if (sequences.length === 0) return;
  await executor.execute(
    `SELECT count(setval(format('%I.%I', s.schema, s.name)::regclass, s.value::int8, s.called))::int AS reset
       FROM json_to_recordset(:sequences::json) AS s(schema text, name text, value text, called boolean)`,
    { sequences: JSON.stringify(sequences.map((s) => ({ schema: s.schema, name: s.name, value: s.lastValue, called: s.isCalled }))) },
  );
}

/** `SET CONSTRAINTS` names: schema-qualified with the referencing table's schema. */
function constraintNames(keys: readonly ForeignKey[]): string {
  return [...new Set(keys.map((k) => `${quoteIdentifier(k.from.schema)}.${quoteIdentifier(k.name)}`))].join(', ');
}

/** A RestoreError for a failure while restoring (a refusal of the object, a statement, the verification). */
function failure(error: unknown, snapshotId: string, databaseChanged: boolean, outcome: string): RestoreError {
  if (error instanceof RestoreError) {
    return new RestoreError(`Restore of snapshot ${snapshotId} failed: ${error.message}; ${outcome}`, error.kind, snapshotId, databaseChanged, { cause: error.cause ?? error });
  }
  const kind: RestoreFailureKind = error instanceof TableObjectMismatch ? 'snapshot' : 'load';
  return new RestoreError(`Restore of snapshot ${snapshotId} failed: ${describeError(error)}; ${outcome}`, kind, snapshotId, databaseChanged, { cause: error });
}

/** `Name SQLSTATE: message`, for messages. */
function describeError(error: unknown): string {
  const e = error as { message?: string; sqlState?: string; name?: string } | null;
  if (!(error instanceof Error)) return String(error);
  return `${e?.name ?? 'Error'}${e?.sqlState ? ` ${e.sqlState}` : ''}: ${e?.message ?? String(error)}`;
}
