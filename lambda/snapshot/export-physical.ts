import type { Driver, Transaction } from '../driver/driver';
import type { TransientRetryOptions } from '../engine/run/transient';
import type { Log } from '../observability/log';
import { BlockRangeCursor, readBlockRelations, type BlockRange, type BlockRelation } from './block-ranges';
import { exportRange } from './export-range';
import { exportTable } from './export-table';
import { ExportStopped, TableExportFailure, type ExportTablesResult } from './export-tables';
import { keepAlive } from './keep-alive';
import { tableObjectKey } from './keys';
import type { ManifestTable } from './manifest';
import { OrderedOutput } from './ordered-output';
import { retryPageReads } from './page-read-retry';
import type { PagingOptions } from './paging-options';
import { exportSnapshotView, joinSnapshotView } from './snapshot-settings';
import type { SnapshotLocation } from './snapshot-location';
import type { SnapshotTable } from './table-catalog';
import { TableObjectWriter } from './table-object-writer';

export interface PhysicalExportOptions {
  readonly driver: Driver;
  /** The snapshot's main transaction, its view opened (`beginSnapshotView`). */
  readonly main: Transaction;
  readonly tables: readonly SnapshotTable[];
  readonly location: SnapshotLocation;
  readonly snapshotId: string;
  readonly paging: PagingOptions;
  /** Worker transactions reading ranges at once (1: the main transaction alone). */
  readonly parallelism: number;
  /** Keep-alive interval of the main transaction while workers run, ms. */
  readonly keepAliveMs: number;
  readonly partSizeBytes?: number;
  readonly gzipLevel?: number;
  /** Retries of a page read after a transient failure (`page-read-retry.ts`). @default DEFAULT_TRANSIENT_RETRY */
  readonly transientRetry?: TransientRetryOptions;
  readonly log: Log;
  /**
   * Tables written in key order instead (keyset pages, one worker: `export-table.ts`), e.g. small tables
   * with a key, easier to read and compare. @default none
   */
  readonly keyOrder?: (table: SnapshotTable, relations: readonly BlockRelation[]) => boolean;
  /** Called (and awaited) after each page, with the table's progress so far. */
  readonly onPage?: (table: SnapshotTable, tableIndex: number, progress: { pages: number; rows: number; bytes: number; compressedBytes: number }) => void | Promise<void>;
}

/**
 * Ranges of a table a worker may run ahead of the range being written (`OrderedOutput`'s window is this
 * times the workers): enough to keep every worker busy while the head range's call is slow, few enough
 * that pages finished early cannot pile up in memory when gzip and the upload fall behind (issue #4:
 * peak RSS must not grow with table size).
 */
const RANGES_AHEAD_PER_WORKER = 2;

/** One table being exported. */
interface TableState {
  readonly table: SnapshotTable;
  readonly index: number;
  /** Ranges of blocks, or the whole table by key when null. */
  readonly cursor: BlockRangeCursor | null;
  readonly writer: TableObjectWriter;
  readonly output: OrderedOutput;
  /** Ranges handed out so far. */
  claimed: number;
  /** True once the cursor has no range left. */
  exhausted: boolean;
  rows: number;
  pages: number;
  finished: boolean;
}

/**
 * Exports `tables` in physical order (PostgreSQL 14+: TID range scans), but those `keyOrder` picks in key
 * order (one task each, by `exportTable`), all at the instant of the main
 * transaction's view, every table cut into ranges of heap blocks (`block-ranges.ts`) that `parallelism`
 * worker transactions read at once, each range one page in the usual case (`export-range.ts`), so even a
 * single large table is read by several backends and its pages travel while others are rendered. The
 * workers import the main transaction's snapshot (`pg_export_snapshot`, `SET TRANSACTION SNAPSHOT`) while it
 * stays open, kept alive below the Data API's 3-minute idle limit. Ranges are handed out table by table, in
 * order; each table's object receives its ranges in order (`ordered-output.ts`), gzip'd and uploaded as it
 * comes (`TableObjectWriter`). Memory: at most one page per range within {@link RANGES_AHEAD_PER_WORKER} times
 * the workers of the range being written, plus the upload buffers of the tables in progress (at most
 * `parallelism` + 1).
 *
 * A failure stops the workers at their next page and aborts the uploads in progress; the result carries the
 * tables exported completely (for the caller to delete) and the first failure, naming its table.
 */
export async function exportPhysical(options: PhysicalExportOptions): Promise<ExportTablesResult> {
  const { tables, main, log, location, snapshotId, paging } = options;
  const entries: (ManifestTable | undefined)[] = new Array(tables.length).fill(undefined);
  let failure: TableExportFailure | Error | undefined;
  const fail = (error: unknown, table?: SnapshotTable) => {
    if (error instanceof ExportStopped) return;
    failure ??= table ? new TableExportFailure(table, error) : error instanceof Error ? error : new Error(String(error));
    // Wake the workers waiting for a head that will not move on.
    for (const state of states) state.output.cancel();
  };

  const relations = await readBlockRelations(main, tables);
  /** Raw JSON bytes a range should produce: a page's budget in base64, with room to spare. */
  const targetBytes = Math.floor((paging.responseBudgetBytes * 3) / 4 * 0.8);
  /** Raw JSON bytes that fill a page's budget in base64 (less a little for the pieces' overhead): a page's rows at the measured size. */
  const pageBytes = Math.floor((paging.responseBudgetBytes * 3) / 4 * 0.98);
  const states: TableState[] = [];
  let nextTable = 0;
  // No more workers than ranges to read: each costs a transaction and three statements to open.
  const ranges = relations.flat().reduce((sum, r) => sum + Math.ceil((r.blocks * Math.max(1, r.bytesPerBlock * 1.5)) / targetBytes), 0);
  const workers = Math.max(1, Math.min(options.parallelism, ranges));

  const open = (index: number): TableState => {
    const table = tables[index]!;
    const writer = new TableObjectWriter({
      s3: location.s3, bucket: location.bucket, key: tableObjectKey(location, snapshotId, table, paging.lineFormat), partSizeBytes: options.partSizeBytes, gzipLevel: options.gzipLevel,
    });
    const byKey = options.keyOrder?.(table, relations[index] ?? []) ?? false;
    const state: TableState = {
      table, index, cursor: byKey ? null : new BlockRangeCursor(relations[index] ?? [], targetBytes), writer,
      output: new OrderedOutput((data) => writer.write(data), RANGES_AHEAD_PER_WORKER * workers),
      claimed: 0, exhausted: false, rows: 0, pages: 0, finished: false,
    };
    states.push(state);
    return state;
  };

  /** Finishes a table's object once every range was handed out and written. */
  const finishIfDone = async (state: TableState) => {
    if (state.finished || !state.exhausted || state.output.written !== state.claimed) return;
    state.finished = true;
    const stats = await state.writer.finish();
    const { table } = state;
    entries[state.index] = {
      schema: table.schema, table: table.table, kind: table.kind, columns: table.columns, keyColumns: table.key ? table.key.map((c) => c.name) : null,
      order: state.cursor ? 'physical' : 'key', rowCount: state.rows, bytes: stats.bytes, compressedBytes: stats.compressedBytes, checksum: stats.checksum, key: state.writer.key,
    };
    log.info('snapshot table exported', {
      snapshotId, schema: table.schema, table: table.table, rows: state.rows, pages: state.pages, bytes: stats.bytes, compressedBytes: stats.compressedBytes,
    });
  };

  /** The next range to read, table by table; undefined when every table is handed out. */
  const claim = async (): Promise<{ state: TableState; index: number; range: BlockRange | null } | undefined> => {
    for (;;) {
      let state = states.find((s) => !s.exhausted);
      if (!state) {
        if (nextTable >= tables.length) return undefined;
        state = open(nextTable++);
      }
      if (!state.cursor) {
        // The whole table by key: one task.
        state.exhausted = true;
        return { state, index: state.claimed++, range: null };
      }
      const range = state.cursor.next();
      if (range) return { state, index: state.claimed++, range };
      state.exhausted = true;
      try {
        await finishIfDone(state);
      } catch (error) {
        fail(error, state.table);
        return undefined;
      }
    }
  };

  const work = async (tx: Transaction) => {
    while (!failure) {
      const task = await claim();
      if (!task) return;
      const { state, index, range } = task;
      // Ranges that finish ahead of the table's head wait in memory: no more than the window's.
      await state.output.admit(index);
      if (failure) return;
      try {
        const stopIfFailed = () => {
          if (failure) throw new ExportStopped(`export of ${state.table.schema}.${state.table.table} stopped: another table failed`);
        };
        const progress = async () => {
          state.pages += 1;
          log.debug('snapshot page', { snapshotId, schema: state.table.schema, table: state.table.table, page: state.pages });
          await options.onPage?.(state.table, state.index, {
            pages: state.pages, rows: state.rows, bytes: state.writer.bytesWritten, compressedBytes: state.writer.compressedBytesWritten,
          });
        };
        const reader = retryPageReads(tx, { what: `snapshot page of ${state.table.schema}.${state.table.table}`, retry: options.transientRetry, log });
        if (range) {
          const result = await exportRange(reader, range, state.table, paging, async (data) => {
            stopIfFailed();
            await state.output.deliver(index, data);
            await progress();
          }, { prefetch: tx === main, pageRows: state.cursor!.pageRows(pageBytes) });
          state.rows += result.rows;
          state.cursor!.measure(range.toBlock - range.fromBlock, result.bytes, result.rows);
        } else {
          const result = await exportTable(reader, state.table, (chunk) => state.output.deliver(index, [Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)]), {
            paging,
            onPage: async (page) => {
              stopIfFailed();
              state.rows = page.rows;
              await progress();
            },
          });
          state.rows = result.rowCount;
        }
        await state.output.finish(index);
        await finishIfDone(state);
      } catch (error) {
        fail(error, state.table);
        return;
      }
    }
  };

  if (workers === 1) {
    await work(main);
  } else {
    const snapshotName = await exportSnapshotView(main);
    const alive = keepAlive(main, options.keepAliveMs);
    await Promise.all(
      Array.from({ length: workers }, async () => {
        let tx: Transaction;
        try {
          tx = await options.driver.beginTransaction();
        } catch (error) {
          fail(error);
          return;
        }
        let ok = false;
        try {
          await joinSnapshotView(tx, snapshotName);
          await work(tx);
          ok = !failure;
        } catch (error) {
          fail(error);
        } finally {
          await (ok ? tx.commit() : tx.rollback()).catch((error: unknown) => {
            if (ok) fail(error);
          });
        }
      }),
    );
    try {
      await alive.stop();
    } catch (error) {
      failure ??= new Error(`the snapshot's main transaction was lost while the workers ran: ${(error as Error)?.message ?? String(error)}`);
    }
  }
  if (failure) {
    for (const state of states) {
      if (state.finished) continue;
      const uploadError = await state.writer.abort(failure instanceof TableExportFailure && failure.cause instanceof Error ? failure.cause : new Error('snapshot failed'));
      if (uploadError !== undefined) log.warn('snapshot upload abort failed', { snapshotId, key: state.writer.key, error: String(uploadError) });
    }
  }
  return { entries, ...(failure ? { failure } : {}) };
}
