import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { Driver } from '../driver/driver';
import { withTransaction } from '../driver/transaction';
import { silentLog, type Log } from '../observability/log';
import { resolvePaging, type PagingOptions } from './export-table';
import { assertKeyPrefix, type TableName } from './keys';
import { MANIFEST_FORMAT_VERSION, type ManifestTable, type SnapshotManifest } from './manifest';
import { manifestExists, writeManifest } from './manifest-store';
import { SnapshotError } from './snapshot-error';
import { assertSnapshotId, newSnapshotId } from './snapshot-id';
import type { SnapshotLocation } from './snapshot-location';
import { beginSnapshotView } from './snapshot-settings';
import { listSnapshotTables } from './table-catalog';
import { snapshotTable } from './table-snapshot';

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
  /** Multipart part size in bytes. @default 5 MiB (S3's minimum) */
  readonly partSizeBytes?: number;
  /** @default silentLog */
  readonly log?: Log;
  /** Called (and awaited) after every page, e.g. to report progress; it must not use the driver. */
  readonly onProgress?: (progress: SnapshotProgress) => void | Promise<void>;
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
  /** Uncompressed JSON lines, in bytes. */
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

function checkOptions(options: TakeSnapshotOptions): { schemas: string[]; snapshotId: string; paging: PagingOptions } {
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
  return { schemas, snapshotId, paging };
}

const displayName = (name: TableName): string => `"${name.schema}"."${name.table}"`;

/**
 * Takes a snapshot of the tables of `schemas` into S3:
 *
 * - all tables are read in one REPEATABLE READ, READ ONLY transaction (see `snapshot-settings.ts`),
 *   so together they show the database at one instant;
 * - each table is read page by page through the driver (keyset paging, pages under the Data API's
 *   response and row limits: `export-table.ts`) and streamed as gzip'd JSON lines to
 *   `<prefix><database>/<snapshotId>/tables/<schema>.<table>.jsonl.gz` (multipart, bounded memory);
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
  const { schemas, snapshotId, paging } = checkOptions(options);
  const log = options.log ?? silentLog;
  const location: SnapshotLocation = { s3: options.s3, bucket: options.bucket, prefix: options.prefix ?? '', database: options.driver.database };
  const started = Date.now();

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
  log.info('snapshot started', { snapshotId, database: location.database, schemas, bucket: location.bucket });

  let current: TableName | undefined;
  /** What the snapshot is doing, for the error message. */
  let stage = 'opening the snapshot transaction';
  let createdAt = '';
  const tables: ManifestTable[] = [];
  try {
    await withTransaction(options.driver, async (tx) => {
      createdAt = await beginSnapshotView(tx);
      stage = 'listing the tables';
      const catalog = await listSnapshotTables(tx, schemas);
      log.info('snapshot tables listed', { snapshotId, tables: catalog.length });
      for (const [tableIndex, table] of catalog.entries()) {
        current = { schema: table.schema, table: table.table };
        stage = `table ${displayName(table)}`;
        const entry = await snapshotTable(tx, table, {
          location, snapshotId, paging, partSizeBytes: options.partSizeBytes, log,
          onPage: (page) =>
            options.onProgress?.({
              snapshotId, schema: table.schema, table: table.table, tableIndex, tableCount: catalog.length,
              pages: page.pages, rows: page.rows, bytes: page.bytes, compressedBytes: page.compressedBytes,
            }),
        });
        tables.push(entry);
      }
      current = undefined;
      stage = 'committing the snapshot transaction';
    });

    const totalRows = tables.reduce((sum, t) => sum + t.rowCount, 0);
    const manifest: SnapshotManifest = {
      formatVersion: MANIFEST_FORMAT_VERSION,
      snapshotId,
      database: location.database,
      createdAt,
      schemaVersion: options.schemaVersion,
      ...(options.appliedVersions ? { appliedVersions: [...options.appliedVersions] } : {}),
      schemas,
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
    await deleteObjects(location, tables.map((t) => t.key), log, snapshotId);
    throw new SnapshotError(`Snapshot ${snapshotId} of database "${location.database}" failed at ${stage}: ${describeError(error)}`, snapshotId, current, {
      cause: error,
    });
  }
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
