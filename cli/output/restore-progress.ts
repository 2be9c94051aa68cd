import type { RestoreProgress } from '../../lambda/snapshot/restore/restore-snapshot';
import { ProgressBar } from './progress-bar';
import type { Stderr } from './status-line';

/** What the restore command hands `runRestore`, and calls when the restore is over. */
export interface RestoreProgressBar {
  readonly onProgress: (progress: RestoreProgress) => void;
  /** Removes the bar (success or failure). */
  finish(): void;
}

/**
 * Progress of a restore as a progress bar on stderr: rows and bytes (uncompressed JSON lines) loaded of
 * the manifest's totals for every table restored, rate, ETA, and the table being loaded, e.g.
 * `restore  [######------]  52%  2,080 / 4,000 rows  1.2 MiB / 2.3 MiB  1,900 rows/s  ETA 1.0 s  public.children (2/3)`.
 * Follows `restoreSnapshot`'s `onProgress` (after each INSERT batch): a table's rows are its latest count,
 * so a transaction run again after a transient failure counts its tables from where they start again.
 * @returns undefined when no bar may be drawn (stderr not a terminal)
 */
export function restoreProgressBar(stderr: Stderr): RestoreProgressBar | undefined {
  if (!stderr.live) return undefined;
  let bar: ProgressBar | undefined;
  const tables = new Map<number, { rows: number; bytes: number }>();
  return {
    onProgress(progress) {
      bar ??= new ProgressBar(stderr, { title: 'restore', totalRows: progress.restoreRows });
      tables.set(progress.tableIndex, { rows: progress.rows, bytes: progress.bytes });
      let rows = 0;
      let bytes = 0;
      for (const table of tables.values()) {
        rows += table.rows;
        bytes += table.bytes;
      }
      bar.update({
        rows, bytes, totalBytes: progress.restoreBytes,
        label: `${progress.schema}.${progress.table} (${progress.tableIndex + 1}/${progress.tableCount})`,
      });
    },
    finish() {
      bar?.finish();
      bar = undefined;
    },
  };
}
