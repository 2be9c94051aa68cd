import type { ReusedSnapshot } from '../../lambda/actions/covering-snapshot';
import type { SnapshotSummary } from '../../lambda/actions/snapshot-action';
import type { Printer } from './printer';
import { formatCount, formatDuration } from './units';

/** A snapshot summary (`runSnapshot`) for people: id, manifest, then rows per table. */
export function renderSnapshot(snapshot: SnapshotSummary, out: Printer): void {
  const c = out.colour;
  out.line(`${c.bold('Snapshot')} ${snapshot.snapshotId} ${c.dim(`(schema version ${snapshot.schemaVersion ?? 'none'})`)}`);
  out.line(`${c.bold('Manifest')} ${snapshot.manifest}`);
  if (snapshot.tables.length > 0) {
    out.table(
      [{ header: 'TABLE' }, { header: 'ROWS', align: 'right' }],
      snapshot.tables.map((t) => [t.table, formatCount(t.rows)]),
    );
  }
  out.line(c.green(`${formatCount(snapshot.totalRows)} row(s) in ${snapshot.tables.length} table(s), ${formatDuration(snapshot.durationMs)}.`));
}

/**
 * The snapshot a migrate reused instead of taking one (`ReusedSnapshot`): id, manifest, the migration it
 * resumed, and the reason.
 */
export function renderReusedSnapshot(snapshot: ReusedSnapshot, out: Printer): void {
  const c = out.colour;
  out.line(`${c.bold('Snapshot')} ${snapshot.snapshotId} reused ${c.dim(`(schema version ${snapshot.schemaVersion ?? 'none'}, scope ${snapshot.scope}, taken ${snapshot.createdAt})`)}`);
  out.line(`${c.bold('Manifest')} ${snapshot.manifest}`);
  out.line(c.dim(`No new snapshot: this run ${snapshot.reason}.`));
}
