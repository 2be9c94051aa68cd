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
