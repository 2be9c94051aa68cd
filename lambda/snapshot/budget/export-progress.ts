import { qualifiedName } from '../../driver/quote-identifier';
import type { TableName } from '../keys';
import type { SnapshotEstimate } from './estimate-size';

/** A table's export so far, as a page reports it. */
export interface TableExportSoFar extends TableName {
  /** Rows of the table exported so far. */
  readonly rows: number;
  /** Bytes of lines of the table exported so far. */
  readonly bytes: number;
}

/**
 * How far a snapshot's export has come, in bytes of table read: each table counts for its on-disk size
 * (`pg_table_size`, the catalog's estimate that the snapshot's budget checks before it starts:
 * `estimate-size.ts`), and the part of it exported is the share of its rows exported (`reltuples`, at most
 * all of it), or, for a table never vacuumed or analysed (no row estimate), its bytes of lines exported (at
 * most its size). The snapshot's pace (`engine/run/work-pace.ts`) projects the rest of the export from it.
 *
 * An estimate, no more: `reltuples` is as old as the last VACUUM or ANALYZE, and a table's lines are not its
 * size on disk; the pace's factor leaves room for that.
 */
export class ExportProgress {
  private readonly sizes = new Map<string, { bytes: number; rows: number }>();
  private readonly done = new Map<string, number>();
  /** Bytes of table the export has to read in all. */
  readonly totalBytes: number;
  private doneBytes = 0;

  constructor(estimate: SnapshotEstimate) {
    for (const table of estimate.tables) this.sizes.set(qualifiedName(table.schema, table.table), { bytes: table.bytes, rows: table.rows });
    this.totalBytes = estimate.bytes;
  }

  /**
   * Records a page of `table`.
   * @returns `stepBytes`, the bytes of table the page added (0 for a table the estimate does not list), and
   *   `bytesLeft`, those the export still has to read
   */
  record(table: TableExportSoFar): { stepBytes: number; bytesLeft: number } {
    const name = qualifiedName(table.schema, table.table);
    const size = this.sizes.get(name);
    const now = size === undefined ? 0 : size.rows > 0 ? size.bytes * Math.min(1, table.rows / size.rows) : Math.min(size.bytes, table.bytes);
    const stepBytes = Math.max(0, now - (this.done.get(name) ?? 0));
    this.done.set(name, Math.max(now, this.done.get(name) ?? 0));
    this.doneBytes += stepBytes;
    return { stepBytes, bytesLeft: Math.max(0, this.totalBytes - this.doneBytes) };
  }
}
