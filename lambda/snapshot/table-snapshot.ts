import type { Executor } from '../driver/driver';
import type { Log } from '../observability/log';
import { exportTable, type PageProgress, type PagingOptions } from './export-table';
import { ExportStopped } from './export-tables';
import { tableObjectKey } from './keys';
import type { ManifestTable } from './manifest';
import type { SnapshotLocation } from './snapshot-location';
import type { SnapshotTable } from './table-catalog';
import { TableObjectWriter } from './table-object-writer';

export interface TableSnapshotOptions {
  readonly location: SnapshotLocation;
  readonly snapshotId: string;
  readonly paging: PagingOptions;
  /** Multipart part size in bytes. @default 5 MiB */
  readonly partSizeBytes?: number;
  /** gzip level of the object, 1 to 9. @default 1 */
  readonly gzipLevel?: number;
  /** True once the snapshot has failed elsewhere: the export then stops at its next page (ExportStopped). */
  readonly stopped?: () => boolean;
  readonly log: Log;
  /** Called (and awaited) after each page, with the bytes written to the object so far. */
  readonly onPage?: (page: PageProgress & { bytes: number; compressedBytes: number }) => void | Promise<void>;
}

/**
 * One table of a snapshot: its rows exported through `tx` (the snapshot's transaction, usually through
 * `retryPageReads`) and streamed into its S3 object. Returns the
 * table's manifest entry (without sequences) once the object is complete. When the export fails, the upload is aborted
 * (multipart upload included) before the error is rethrown, so no object is left for this table.
 * @throws the driver's or S3's error, unchanged (the caller names the table)
 */
export async function snapshotTable(tx: Executor, table: SnapshotTable, options: TableSnapshotOptions): Promise<ManifestTable> {
  const { location, snapshotId, log } = options;
  const started = Date.now();
  const key = tableObjectKey(location, snapshotId, table, options.paging.lineFormat);
  const writer = new TableObjectWriter({
    s3: location.s3, bucket: location.bucket, key, partSizeBytes: options.partSizeBytes, gzipLevel: options.gzipLevel,
  });
  let exported;
  try {
    exported = await exportTable(tx, table, (chunk) => writer.write(chunk), {
      paging: options.paging,
      onPage: async (page) => {
        if (options.stopped?.()) throw new ExportStopped(`export of ${table.schema}.${table.table} stopped: another table failed`);
        log.debug('snapshot page', {
          snapshotId, schema: table.schema, table: table.table, page: page.pages, rows: page.rows, pageRows: page.pageRows, pageBytes: page.pageBytes,
        });
        await options.onPage?.({ ...page, bytes: writer.bytesWritten, compressedBytes: writer.compressedBytesWritten });
      },
    });
  } catch (error) {
    const uploadError = await writer.abort(error instanceof Error ? error : new Error(String(error)));
    if (uploadError !== undefined) log.warn('snapshot upload abort failed', { snapshotId, key, error: String(uploadError) });
    throw error;
  }
  const stats = await writer.finish();
  log.info('snapshot table exported', {
    snapshotId, schema: table.schema, table: table.table, rows: exported.rowCount, pages: exported.pages,
    bytes: stats.bytes, compressedBytes: stats.compressedBytes, durationMs: Date.now() - started,
  });
  return {
    schema: table.schema,
    table: table.table,
    kind: table.kind,
    columns: table.columns,
    keyColumns: table.key ? table.key.map((c) => c.name) : null,
    order: 'key',
    rowCount: exported.rowCount,
    bytes: stats.bytes,
    compressedBytes: stats.compressedBytes,
    checksum: stats.checksum,
    key,
  };
}
