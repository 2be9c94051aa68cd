import type { Driver, Transaction } from '../driver/driver';
import type { Log } from '../observability/log';
import { keepAlive } from './keep-alive';
import type { ManifestTable } from './manifest';
import { exportSnapshotView, joinSnapshotView } from './snapshot-settings';
import type { SnapshotTable } from './table-catalog';

/** A table's export failed: which table, and the original error. */
export class TableExportFailure extends Error {
  override readonly name = 'TableExportFailure';
  constructor(
    readonly table: SnapshotTable,
    override readonly cause: unknown,
  ) {
    super(`table "${table.schema}"."${table.table}" failed`, { cause });
  }
}

/** Thrown into a table still running once another table failed, so that it stops at its next page. */
export class ExportStopped extends Error {
  override readonly name = 'ExportStopped';
}

export interface ExportTablesOptions {
  readonly driver: Driver;
  /** The snapshot's main transaction, its view opened (`beginSnapshotView`). */
  readonly main: Transaction;
  readonly tables: readonly SnapshotTable[];
  /** Tables exported at once, each by a worker transaction of its own. @default 3 */
  readonly parallelism: number;
  /** Interval of the main transaction's keep-alive while workers run, ms (below 3 minutes). @default 60,000 */
  readonly keepAliveMs: number;
  /**
   * Exports one table through `tx` (the main transaction or a worker's). `stopped()` is true once
   * another table failed: check it between pages and throw {@link ExportStopped}.
   */
  readonly exportOne: (tx: Transaction, table: SnapshotTable, index: number, stopped: () => boolean) => Promise<ManifestTable>;
  readonly log: Log;
}

export interface ExportTablesResult {
  /** One entry per table, in the order of `tables`; holes for tables not exported when it failed. */
  readonly entries: (ManifestTable | undefined)[];
  /** The first failure, or undefined when every table was exported. */
  readonly failure?: TableExportFailure | Error;
}

/**
 * Exports `tables`, all at the instant of the main transaction's view:
 *
 * - `parallelism` 1 (or a single table): one after the other in the main transaction;
 * - otherwise: the main transaction exports its snapshot (`pg_export_snapshot()`) and stays open,
 *   pinged by a keep-alive below the Data API's 3-minute idle limit, while `parallelism` workers each
 *   open a transaction of their own on `driver` (a Data API transaction each; with `PgDriver` a pooled
 *   connection each, so the pool needs `parallelism + 1` connections), import the snapshot
 *   (`SET TRANSACTION SNAPSHOT`, PostgreSQL docs, 9.28.5 "Snapshot Synchronization Functions") and take
 *   the next table until none is left. Every worker thus reads the same instant as the main transaction.
 *
 * A failure stops the others at their next page; the result carries what was exported (for the caller
 * to delete) and the first failure. Worker transactions are read only and always ended.
 */
export async function exportTables(options: ExportTablesOptions): Promise<ExportTablesResult> {
  const { tables, main, log } = options;
  const entries: (ManifestTable | undefined)[] = new Array(tables.length).fill(undefined);
  let failure: TableExportFailure | Error | undefined;
  const stopped = () => failure !== undefined;
  const run = async (tx: Transaction, index: number) => {
    const table = tables[index]!;
    try {
      entries[index] = await options.exportOne(tx, table, index, stopped);
    } catch (error) {
      if (!(error instanceof ExportStopped)) failure ??= new TableExportFailure(table, error);
      throw error;
    }
  };

  const workers = Math.min(options.parallelism, tables.length);
  if (workers <= 1) {
    for (let i = 0; i < tables.length && !failure; i++) await run(main, i).catch(() => undefined);
    return { entries, ...(failure ? { failure } : {}) };
  }

  const snapshotName = await exportSnapshotView(main);
  log.debug('snapshot view exported to workers', { workers });
  const alive = keepAlive(main, options.keepAliveMs);
  let next = 0;
  const worker = async (): Promise<void> => {
    if (failure) return;
    let tx: Transaction;
    try {
      tx = await options.driver.beginTransaction();
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
      return;
    }
    let ok = false;
    try {
      await joinSnapshotView(tx, snapshotName);
      while (!failure && next < tables.length) {
        const index = next++;
        await run(tx, index);
      }
      ok = true;
    } catch (error) {
      if (!(error instanceof ExportStopped)) failure ??= error instanceof Error ? error : new Error(String(error));
    } finally {
      // Read only: commit and rollback are the same; rollback also ends a transaction a failure aborted.
      await (ok ? tx.commit() : tx.rollback()).catch((error: unknown) => {
        if (ok) failure ??= error instanceof Error ? error : new Error(String(error));
      });
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  try {
    await alive.stop();
  } catch (error) {
    failure ??= new Error(`the snapshot's main transaction was lost while the workers ran: ${(error as Error)?.message ?? String(error)}`);
  }
  return { entries, ...(failure ? { failure } : {}) };
}
