import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { Driver } from '../driver/driver';
import { withTransaction } from '../driver/transaction';
import { silentLog, type Log } from '../observability/log';
import { resolvePaging, type PagingOptions } from './export-table';
import { exportPhysical } from './export-physical';
import { exportTables, TableExportFailure } from './export-tables';
import { assertKeyPrefix, type TableName } from './keys';
import { MANIFEST_FORMAT_VERSION, type ManifestTable, type SnapshotManifest } from './manifest';
import { manifestExists, writeManifest } from './manifest-store';
import { SnapshotError, SnapshotOutOfTime } from './snapshot-error';
import { formatBytes } from './budget/snapshot-budget';
import { spendableMs, type TimeBudget } from '../engine/run/time-budget';
import { STOP_FACTOR, WorkPace, type PaceShortfall } from '../engine/run/work-pace';
import { ExportProgress } from './budget/export-progress';
import { estimateSnapshot } from './budget/estimate-size';
import { assertSnapshotId, newSnapshotId } from './snapshot-id';
import type { SnapshotLocation } from './snapshot-location';
import { beginSnapshotView } from './snapshot-settings';
import { qualifiedName } from '../driver/quote-identifier';
import { listSnapshotTables, type SnapshotTable } from './table-catalog';
import { listTableSequences, readSequenceValues } from './table-sequences';
import { snapshotTable } from './table-snapshot';
import { retryPageReads } from './page-read-retry';
import type { TransientRetryOptions } from '../engine/run/transient';

export interface TakeSnapshotOptions extends Omit<SnapshotLocation, 'database'> {
  /** Reaches the database; its `database` names the snapshot's folder. Works over the Data API and `pg`. */
  readonly driver: Driver;
  /**
   * Schemas whose tables are exported. The schema history schema (`rds_migrate`) is exported only when
   * listed. @default ['public']
   */
  readonly schemas?: readonly string[];
  /** Id of the new snapshot; checked against `SNAPSHOT_ID_PATTERN`. @default newSnapshotId() */
  readonly snapshotId?: string;
  /** Highest applied migration version, recorded in the manifest; `null` when none. */
  readonly schemaVersion: string | null;
  /** Every applied version, oldest first, recorded in the manifest when given. */
  readonly appliedVersions?: readonly string[];
  /** Page sizing; see `DEFAULT_PAGING`. */
  readonly paging?: Partial<PagingOptions>;
  /**
   * Only these tables (scope `affected`, see `scope/`): each must be a table of `schemas` the snapshot
   * would export. The manifest then says `scope: 'affected'`. @default every table of `schemas`
   */
  readonly tables?: readonly TableName[];
  /**
   * Tables exported at once, each in a worker transaction of its own reading the same instant
   * (`export-tables.ts`). With `PgDriver`, its pool needs `parallelism + 1` connections (4 by default).
   * @default 3
   */
  readonly parallelism?: number;
  /** Keep-alive interval of the main transaction while workers run, ms (below the 3-minute idle limit). @default 60,000 */
  readonly keepAliveMs?: number;
  /** Multipart part size in bytes. @default 5 MiB (S3's minimum) */
  readonly partSizeBytes?: number;
  /** gzip level of the table objects, 1 (fastest) to 9 (smallest). @default 1 */
  readonly gzipLevel?: number;
  /**
   * Order of the lines of each table object: `physical` reads ranges of heap blocks with TID range
   * scans, several ranges of one table at once (`export-physical.ts`; PostgreSQL 14+); `key` pages on the
   * table's key, a table per worker (`export-tables.ts`); `auto` is `physical` on PostgreSQL 14 and later
   * for tables over `keyOrderMaxBytes` or without a key, `key` otherwise. The restore takes either.
   * @default 'auto'
   */
  readonly order?: 'auto' | 'physical' | 'key';
  /**
   * With `order` `auto` on PostgreSQL 14+, tables with a key up to this size (`pg_table_size`) are still
   * written in key order, easier to read and compare; larger ones, and tables without a key, in physical
   * order. @default 64 MiB
   */
  readonly keyOrderMaxBytes?: number;
  /**
   * Retries of a page read after a transient failure (DatabaseResumingException, throttling, 5xx, a
   * dropped connection), in the same transaction (`page-read-retry.ts`); `{ retries: 0 }` fails at the
   * first. @default DEFAULT_TRANSIENT_RETRY (8 retries, about 25 to 45 s in all)
   */
  readonly transientRetry?: TransientRetryOptions;
  /** @default silentLog */
  readonly log?: Log;
  /** Called (and awaited) after every page, e.g. to report progress; it must not use the driver. */
  readonly onProgress?: (progress: SnapshotProgress) => void | Promise<void>;
  /**
   * The time the snapshot may take (`engine/run/time-budget.ts`): in a Lambda function, the invocation's
   * remaining time less a reserve. Checked after every page: once nothing is left beyond the reserve, the
   * snapshot stops there and fails as any failed snapshot does (its uploads aborted, its objects deleted,
   * no manifest; a {@link SnapshotError} whose cause is a {@link SnapshotOutOfTime}), rather than Lambda
   * stopping the function mid-export with the migration lock still held. The size estimate checked before
   * a snapshot starts (`budget/`) is meant to refuse one that cannot fit; this catches an estimate that
   * was wrong. It does not wait for the time to run out when the outcome is plain: the export's pace
   * (`engine/run/work-pace.ts`), in bytes of table read (`budget/export-progress.ts`: the tables'
   * `pg_table_size`, in proportion of their rows exported, read from the catalog in the snapshot's
   * transaction), is measured over at least 5 s and a tenth of the time, and the snapshot stops the same
   * way as soon as the rest would take more than twice the time left. @default none (no limit)
   */
  readonly timeBudget?: TimeBudget;
}

/** Progress of a running snapshot, after a page of a table. */
export interface SnapshotProgress extends TableName {
  readonly snapshotId: string;
  /** 0-based index of the table being exported, out of `tableCount`. */
  readonly tableIndex: number;
  readonly tableCount: number;
  /** Pages read from this table so far. */
  readonly pages: number;
  /** Rows of this table written so far. */
  readonly rows: number;
  /** Uncompressed bytes of this table written so far. */
  readonly bytes: number;
  /** Compressed bytes of this table produced so far (some may still wait for upload). */
  readonly compressedBytes: number;
}

export interface SnapshotTableResult extends TableName {
  readonly rowCount: number;
  /** S3 key of the table object. */
  readonly key: string;
  /** Uncompressed lines, in bytes. */
  readonly bytes: number;
  /** The object's size (gzip), in bytes. */
  readonly compressedBytes: number;
}

export interface SnapshotResult {
  readonly snapshotId: string;
  readonly manifestKey: string;
  readonly tables: SnapshotTableResult[];
  readonly totalRows: number;
  /** Wall time, in milliseconds. */
  readonly durationMs: number;
  /** The manifest as written. */
  readonly manifest: SnapshotManifest;
}

/** Default of {@link TakeSnapshotOptions.parallelism}: with the main transaction, the 4 connections of PgDriver's default pool. */
export const DEFAULT_PARALLELISM = 3;

function checkOptions(options: TakeSnapshotOptions): {
  schemas: string[];
  snapshotId: string;
  paging: PagingOptions;
  parallelism: number;
  keepAliveMs: number;
} {
  if (typeof options.bucket !== 'string' || options.bucket.length === 0) throw new Error('bucket: must be a non-empty bucket name');
  assertKeyPrefix(options.prefix ?? '');
  const schemas = [...(options.schemas ?? ['public'])];
  if (schemas.length === 0) throw new Error('schemas: must list at least one schema');
  schemas.forEach((schema, i) => {
    if (typeof schema !== 'string' || schema.length === 0) throw new Error(`schemas[${i}]: must be a non-empty schema name`);
  });
  const duplicate = schemas.find((schema, i) => schemas.indexOf(schema) !== i);
  if (duplicate !== undefined) throw new Error(`schemas: "${duplicate}" is listed twice`);
  const snapshotId = options.snapshotId ?? newSnapshotId();
  assertSnapshotId(snapshotId);
  const paging = resolvePaging(options.paging);
  const parallelism = options.parallelism ?? DEFAULT_PARALLELISM;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 32) throw new Error(`parallelism: ${parallelism} must be an integer from 1 to 32`);
  const keepAliveMs = options.keepAliveMs ?? 60_000;
  if (!Number.isInteger(keepAliveMs) || keepAliveMs <= 0 || keepAliveMs >= 180_000) {
    throw new Error(`keepAliveMs: ${keepAliveMs} must be a positive integer below 180000 (the Data API's 3-minute transaction idle limit)`);
  }
  if (options.order !== undefined && !['auto', 'physical', 'key'].includes(options.order)) {
    throw new Error(`order: ${JSON.stringify(options.order)} must be "auto", "physical" or "key"`);
  }
  const level = options.gzipLevel ?? 1;
  if (!Number.isInteger(level) || level < 1 || level > 9) throw new Error(`gzipLevel: ${level} must be an integer from 1 to 9`);
  options.tables?.forEach((t, i) => {
    if (typeof t?.schema !== 'string' || t.schema === '' || typeof t.table !== 'string' || t.table === '') {
      throw new Error(`tables[${i}]: must name a schema and a table`);
    }
    if (!schemas.includes(t.schema)) throw new Error(`tables[${i}]: "${t.schema}"."${t.table}" is not in the snapshot's schemas (${schemas.join(', ')})`);
  });
  return { schemas, snapshotId, paging, parallelism, keepAliveMs };
}

const displayName = (name: TableName): string => `"${name.schema}"."${name.table}"`;

/**
 * Takes a snapshot of the tables of `schemas` into S3:
 *
 * - all tables are read at one instant: in one REPEATABLE READ, READ ONLY transaction (see
 *   `snapshot-settings.ts`), or, with `parallelism` above 1, by worker transactions that import its
 *   exported snapshot while it stays open (`export-tables.ts`);
 * - the sequences owned by or drawn from by each table are recorded with their values
 *   (`table-sequences.ts`), for the restore to reset them;
 * - each table is read page by page through the driver (keyset paging, pages under the Data API's
 *   response and row limits: `export-table.ts`) and streamed as gzip'd lines (`line-format.ts`) to
 *   `<prefix><database>/<snapshotId>/tables/<schema>.<table>.records.gz` (multipart, bounded memory);
 * - a page read that fails transiently (a dropped connection, throttling, a 5xx, a cluster resuming) is
 *   read again in the same transaction, at the same instant (`page-read-retry.ts`, `transientRetry`);
 * - the manifest `<prefix><database>/<snapshotId>/manifest.json` is written last, after every upload
 *   completed and the transaction ended.
 *
 * If anything fails, no manifest is written: the running upload is aborted (with its multipart
 * upload), the table objects already written by this call are deleted (best effort), and a
 * {@link SnapshotError} naming the table is thrown. Logs names, counts, bytes and durations only.
 *
 * @throws {Error} on bad options (naming the field), or when `snapshotId` already has a manifest
 * @throws {SnapshotError} when the snapshot failed
 */
export async function takeSnapshot(options: TakeSnapshotOptions): Promise<SnapshotResult> {
  const { schemas, snapshotId, paging, parallelism, keepAliveMs } = checkOptions(options);
  const log = options.log ?? silentLog;
  const location: SnapshotLocation = { s3: options.s3, bucket: options.bucket, prefix: options.prefix ?? '', database: options.driver.database };
  const started = Date.now();
  /** Bytes of lines exported so far, per table (qualified name). */
  const exportedBytes = new Map<string, number>();
  /** With a time budget: the pace of the export, in bytes of table read (set once the tables are listed). */
  let pacing: { pace: WorkPace; progress: ExportProgress } | undefined;
  /**
   * Reports a page to `onProgress`, then stops the snapshot when its time budget is spent, or when the
   * pace of its export so far shows that the rest would take more than {@link STOP_FACTOR} times the time
   * left.
   */
  const afterPage = async (progress: SnapshotProgress) => {
    exportedBytes.set(qualifiedName(progress.schema, progress.table), progress.bytes);
    await options.onProgress?.(progress);
    const leftMs = spendableMs(options.timeBudget);
    if (leftMs === undefined) return;
    const where = `while exporting table ${displayName(progress)} (table ${progress.tableIndex + 1} of ${progress.tableCount}); no snapshot was written, so no migration it guards runs`;
    if (leftMs === 0) {
      throw new SnapshotOutOfTime(
        `the invocation's time ran out after ${Math.round((Date.now() - started) / 1000)} s of export, ${formatBytes([...exportedBytes.values()].reduce((sum, bytes) => sum + bytes, 0))} of lines, ` +
          `${where}. ${TOO_SLOW_ADVICE}`,
      );
    }
    if (!pacing) return;
    const { stepBytes, bytesLeft } = pacing.progress.record(progress);
    const shortfall = pacing.pace.observe(stepBytes, bytesLeft, leftMs, STOP_FACTOR);
    if (shortfall) throw new SnapshotOutOfTime(`${wouldNotFinish(shortfall)}; it stopped ${where}. ${TOO_SLOW_ADVICE}`);
  };

  let exists: boolean;
  try {
    exists = await manifestExists(location, snapshotId);
  } catch (error) {
    // Nothing has been read or written yet: the bucket is missing or unreachable.
    throw new SnapshotError(
      `Snapshot ${snapshotId} of database "${location.database}" failed before exporting any table, checking s3://${location.bucket}/: ${describeError(error)}`,
      snapshotId,
      undefined,
      { cause: error },
    );
  }
  if (exists) {
    throw new Error(`snapshotId: snapshot ${snapshotId} of database "${location.database}" already exists`);
  }
  log.info('snapshot started', { snapshotId, database: location.database, schemas, bucket: location.bucket, parallelism });

  let current: TableName | undefined;
  /** What the snapshot is doing, for the error message. */
  let stage = 'opening the snapshot transaction';
  let createdAt = '';
  let tables: ManifestTable[] = [];
  const written: string[] = [];
  try {
    await withTransaction(options.driver, async (tx) => {
      const view = await beginSnapshotView(tx);
      createdAt = view.startedAt;
      stage = 'listing the tables';
      const catalog = selectTables(await listSnapshotTables(tx, schemas), options.tables);
      log.info('snapshot tables listed', { snapshotId, tables: catalog.length });
      if (options.timeBudget) {
        stage = 'estimating the tables';
        pacing = { pace: new WorkPace(), progress: new ExportProgress(await estimateSnapshot(tx, schemas, catalog)) };
      }
      stage = 'reading the sequences';
      const owned = await listTableSequences(tx, catalog);
      const values = await readSequenceValues(tx, [...owned.values()].flat());
      stage = 'exporting the tables';
      const sequencesOf = (table: TableName) =>
        (owned.get(qualifiedName(table.schema, table.table)) ?? []).map((q) => values.get(qualifiedName(q.schema, q.table))!);
      // TID range scans came with PostgreSQL 14: before, a range would read the whole table.
      const physical = options.order === 'physical' || (options.order !== 'key' && view.serverVersion >= 140_000);
      const exported = physical
        ? await exportPhysical({
            driver: options.driver, main: tx, tables: catalog, location, snapshotId, paging, parallelism, keepAliveMs, log,
            partSizeBytes: options.partSizeBytes, gzipLevel: options.gzipLevel, transientRetry: options.transientRetry,
            keyOrder: (table, relations) =>
              options.order !== 'physical' &&
              table.key !== null &&
              relations.reduce((sum, r) => sum + r.blocks * r.bytesPerBlock, 0) <= (options.keyOrderMaxBytes ?? 64 * 1024 * 1024),
            onPage: (table, tableIndex, page) =>
              afterPage({
                snapshotId, schema: table.schema, table: table.table, tableIndex, tableCount: catalog.length,
                pages: page.pages, rows: page.rows, bytes: page.bytes, compressedBytes: page.compressedBytes,
              }),
          })
        : await exportTables({
            driver: options.driver, main: tx, tables: catalog, parallelism, keepAliveMs, log,
            exportOne: (worker, table, tableIndex, stopped) =>
              snapshotTable(retryPageReads(worker, { what: `snapshot page of ${table.schema}.${table.table}`, retry: options.transientRetry, log }), table, {
                location, snapshotId, paging, partSizeBytes: options.partSizeBytes, gzipLevel: options.gzipLevel, log, stopped,
                onPage: (page) =>
                  afterPage({
                    snapshotId, schema: table.schema, table: table.table, tableIndex, tableCount: catalog.length,
                    pages: page.pages, rows: page.rows, bytes: page.bytes, compressedBytes: page.compressedBytes,
                  }),
              }),
          });
      for (const entry of exported.entries) if (entry) written.push(entry.key);
      if (exported.failure) {
        if (exported.failure instanceof TableExportFailure) {
          current = { schema: exported.failure.table.schema, table: exported.failure.table.table };
          stage = `table ${displayName(current)}`;
          throw exported.failure.cause;
        }
        throw exported.failure;
      }
      tables = (exported.entries as ManifestTable[]).map((entry) => ({ ...entry, sequences: sequencesOf(entry) }));
      stage = 'committing the snapshot transaction';
    });

    const totalRows = tables.reduce((sum, t) => sum + t.rowCount, 0);
    const manifest: SnapshotManifest = {
      formatVersion: MANIFEST_FORMAT_VERSION,
      lineFormat: paging.lineFormat,
      snapshotId,
      database: location.database,
      createdAt,
      schemaVersion: options.schemaVersion,
      ...(options.appliedVersions ? { appliedVersions: [...options.appliedVersions] } : {}),
      schemas,
      scope: options.tables ? 'affected' : 'full',
      tables,
      totalRows,
      durationMs: Date.now() - started,
    };
    stage = 'writing the manifest';
    const key = await writeManifest(location, manifest);
    log.info('snapshot complete', { snapshotId, manifestKey: key, tables: tables.length, totalRows, durationMs: manifest.durationMs });
    return {
      snapshotId,
      manifestKey: key,
      tables: tables.map((t) => ({ schema: t.schema, table: t.table, rowCount: t.rowCount, key: t.key, bytes: t.bytes, compressedBytes: t.compressedBytes })),
      totalRows,
      durationMs: manifest.durationMs,
      manifest,
    };
  } catch (error) {
    log.error('snapshot failed', { snapshotId, stage, ...(current ?? {}), error: describeError(error) });
    await deleteObjects(location, written, log, snapshotId);
    throw new SnapshotError(`Snapshot ${snapshotId} of database "${location.database}" failed at ${stage}: ${describeError(error)}`, snapshotId, current, {
      cause: error,
    });
  }
}

/** What to do about a snapshot that does not fit its invocation, the end of every such message. */
const TOO_SLOW_ADVICE =
  'The size estimate checked before the snapshot assumed a faster export than this database gives: lower the assumed rate ' +
  '(RDS_MIGRATE_SNAPSHOT_BYTES_PER_SECOND) so that a snapshot that cannot fit is refused before it starts, narrow the snapshot (scope affected), ' +
  'give the function a longer timeout, or take a backup yourself and migrate with scope none';

/** Why a snapshot stopped before its time was spent (`engine/run/work-pace.ts`). */
function wouldNotFinish(shortfall: PaceShortfall): string {
  const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;
  return (
    `the snapshot would not finish in the invocation's time: at the rate of its export so far (${formatBytes(shortfall.bytesPerSecond)} of table data a second ` +
    `over ${seconds(shortfall.measuredMs)}), the ${formatBytes(shortfall.bytesLeft)} of table data still to read (pg_table_size, less the share of rows exported) ` +
    `would take about ${seconds(shortfall.needMs)}, and ${seconds(shortfall.leftMs)} are left`
  );
}

/**
 * The catalog's tables, or only those of `wanted` (in catalog order).
 * @throws {Error} naming a wanted table the catalog does not have
 */
function selectTables(catalog: SnapshotTable[], wanted: readonly TableName[] | undefined): SnapshotTable[] {
  if (!wanted) return catalog;
  const keys = new Set(wanted.map((t) => qualifiedName(t.schema, t.table)));
  const selected = catalog.filter((t) => keys.has(qualifiedName(t.schema, t.table)));
  if (selected.length !== keys.size) {
    const found = new Set(selected.map((t) => qualifiedName(t.schema, t.table)));
    const missing = [...keys].filter((k) => !found.has(k));
    throw new Error(`tables: ${missing.join(', ')} is not a table the snapshot can export (not found, a view, or a partition exported through its parent)`);
  }
  return selected;
}

/** Best-effort removal of the table objects of a failed snapshot (they are unreachable without a manifest). */
async function deleteObjects(location: SnapshotLocation, keys: readonly string[], log: Log, snapshotId: string): Promise<void> {
  for (const key of keys) {
    try {
      await location.s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: key }));
    } catch (error) {
      log.warn('snapshot cleanup failed', { snapshotId, key, error: describeError(error) });
    }
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { sqlState?: string; code?: string }).sqlState ?? (error as { code?: string }).code;
    return `${error.name}${code ? ` ${code}` : ''}: ${error.message}`;
  }
  return String(error);
}
