import type { DataMigrationProgress, DataMigrationProgressListener } from '../../lambda/engine/data/data-migration';
import { ProgressBar } from './progress-bar';
import type { Stderr } from './status-line';

/**
 * Progress of data migrations' batch loops (`migrate`, `rollback`) as a progress bar on stderr, one
 * bar per loop: `data 0042 public.invoice [#####---]  37%  18,000 / 50,000 rows  6,100 rows/s  ETA 5.2 s  batch 37`.
 * Rows are the loop's total over all runs; the bar's total is the progress's `estimatedTotalRows`
 * (the module's `estimatedRows`, or the backfill table's `pg_class.reltuples`), without which the
 * bar shows rows and rate only. Drawn only when stderr is a terminal (`stderr.live`).
 * @returns the listener for the actions' `onDataProgress`, or undefined when no bar can be drawn
 */
export function dataMigrationProgressBar(stderr: Stderr): DataMigrationProgressListener | undefined {
  if (!stderr.live) return undefined;
  let bar: ProgressBar | undefined;
  let current: string | undefined;
  return (progress: DataMigrationProgress) => {
    const id = JSON.stringify([progress.version, progress.direction, progress.loop]);
    if (id !== current) {
      bar?.finish();
      current = id;
      const title = `data ${progress.version}${progress.direction === 'down' ? ' (down)' : ''} ${progress.loop}`;
      bar = new ProgressBar(stderr, {
        title,
        // The bar appears after the loop's first batch: its clock starts when the loop did.
        startedAt: Date.now() - progress.elapsedMs,
        ...(progress.estimatedTotalRows !== undefined ? { totalRows: progress.estimatedTotalRows } : {}),
      });
    }
    bar?.update({ rows: progress.totalRows, label: `batch ${progress.totalBatches}` });
    if (progress.finished) {
      bar?.finish();
      bar = undefined;
      current = undefined;
    }
  };
}
