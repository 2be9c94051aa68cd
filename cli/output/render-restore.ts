import type { RestoreActionReport } from '../../lambda/actions/restore-action';
import type { Printer } from './printer';
import { formatCount, formatDuration } from './units';

/** A restore report (`runRestore`) for people: what was loaded where, table by table. */
export function renderRestore(report: RestoreActionReport, out: Printer): void {
  const c = out.colour;
  const r = report.restore;
  const into = report.schema !== undefined ? `a new schema "${report.schema}" of ${report.database}` : report.database;
  out.line(`${c.bold('Restored')} snapshot ${r.snapshotId} of ${report.sourceDatabase} into ${into} ${c.dim(`(schema version ${r.schemaVersion ?? 'none'}, ${r.transaction === 'single' ? 'one transaction' : 'a transaction per table'})`)}`);
  if (r.tables.length > 0) {
    out.table(
      [{ header: 'TABLE' }, { header: 'ROWS', align: 'right' }, { header: 'CHECKED' }],
      r.tables.map((t) => [`${t.schema}.${t.table}`, formatCount(t.rows), t.verified ? 'rows match the snapshot' : '']),
    );
  }
  if (r.sequences.length > 0) out.line(`${r.sequences.length} sequence(s) reset to their snapshot values.`);
  out.line(c.green(`${formatCount(r.totalRows)} row(s) in ${r.tables.length} table(s), ${formatDuration(r.durationMs)}.`));
}
