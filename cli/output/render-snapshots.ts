import type { Printer } from './printer';
import { formatBytes, formatCount } from './units';

/** What a snapshot listing holds, from `rds-migrate snapshots` or the function's `list-snapshots` (`invoke list-snapshots`). */
export interface SnapshotListView {
  readonly database: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly snapshots: ReadonlyArray<{
    readonly snapshotId: string;
    readonly schemaVersion: string | null;
    readonly tables: number;
    readonly totalRows: number;
    /** Uncompressed JSON lines, bytes. */
    readonly bytes: number;
    readonly completedAt?: string;
  }>;
  /** Complete snapshots in all (more than listed when cut by a limit). */
  readonly total: number;
}

/** The complete snapshots for people, newest first: a table, and how many older ones the limit left out. */
export function renderSnapshotList(report: SnapshotListView, out: Printer, limitFlag: string): void {
  const c = out.colour;
  out.line(`${c.bold('Snapshots')} of ${report.database} in s3://${report.bucket}/${report.prefix}`);
  if (report.snapshots.length === 0) {
    out.line(c.dim('None yet: take one with `rds-migrate snapshot`.'));
    return;
  }
  out.table(
    [{ header: 'SNAPSHOT' }, { header: 'SCHEMA VERSION' }, { header: 'TABLES', align: 'right' }, { header: 'ROWS', align: 'right' }, { header: 'SIZE', align: 'right' }, { header: 'COMPLETED' }],
    report.snapshots.map((s) => [s.snapshotId, s.schemaVersion ?? 'none', String(s.tables), formatCount(s.totalRows), formatBytes(s.bytes), s.completedAt ?? '']),
  );
  if (report.total > report.snapshots.length) out.line(c.dim(`${report.total - report.snapshots.length} older snapshot(s) not shown (${limitFlag}).`));
}
