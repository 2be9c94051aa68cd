import type { Log } from '../../lambda/observability/log';
import { teeLog } from './cli-log';
import { ProgressBar } from './progress-bar';
import type { Stderr } from './status-line';

/**
 * Progress of a snapshot (the `snapshot` command, and the one `migrate` and `rollback` take first)
 * as a progress bar on stderr: rows, bytes read from the database (the snapshot's estimate of each
 * page's response size), rate, ETA and the table being exported.
 *
 * The actions (`lambda/actions/snapshot-action.ts`) take no progress callback, so the bar follows
 * the snapshot's structured log events (`lambda/snapshot/take-snapshot.ts`): `snapshot started`,
 * `snapshot tables listed` (`tables`), `snapshot page` (debug: `schema`, `table`, `rows` so far in the
 * table, `pageBytes`), `snapshot table exported` (`rows`), `snapshot complete`/`failed`.
 * Events it does not know are passed on untouched.
 *
 * @param totalRows expected rows of the whole snapshot (from `estimateRows`), for the bar and the ETA
 */
export function withSnapshotProgress(log: Log, stderr: Stderr, totalRows?: number): Log {
  if (!stderr.live) return log;
  let bar: ProgressBar | undefined;
  let tableCount = 0;
  let tableIndex = 0;
  let doneRows = 0;
  let doneBytes = 0;
  let tableBytes = 0;
  return teeLog(log, (_level, message, extra) => {
    switch (message) {
      case 'snapshot started':
        bar = new ProgressBar(stderr, { title: 'snapshot', ...(totalRows !== undefined ? { totalRows } : {}) });
        doneRows = doneBytes = tableBytes = tableIndex = 0;
        break;
      case 'snapshot tables listed':
        tableCount = Number(extra.tables) || 0;
        break;
      case 'snapshot page': {
        tableBytes += Number(extra.pageBytes) || 0;
        const label = `${String(extra.schema)}.${String(extra.table)} (${tableIndex + 1}/${tableCount})`;
        bar?.update({ rows: doneRows + (Number(extra.rows) || 0), bytes: doneBytes + tableBytes, label });
        break;
      }
      case 'snapshot table exported':
        doneRows += Number(extra.rows) || 0;
        doneBytes += tableBytes;
        tableBytes = 0;
        tableIndex++;
        bar?.update({ rows: doneRows, bytes: doneBytes });
        break;
      case 'snapshot complete':
      case 'snapshot failed':
        bar?.finish();
        bar = undefined;
        break;
    }
  });
}
