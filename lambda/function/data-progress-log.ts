import type { DataMigrationProgress, DataMigrationProgressListener } from '../engine/data/data-migration';
import type { Log } from '../observability/log';

/** Smallest interval between two progress lines of one batch loop, ms, when not given. */
export const DATA_PROGRESS_LOG_INTERVAL_MS = 10_000;

/**
 * The function's data migration progress (`RunOptions.onDataProgress`) as log lines
 * `data migration progress` with the version, loop, batches and rows of this run and in all, the
 * expected rows when known, and the rate (rows per second of this run, from `elapsedMs`): counts
 * only, never row data.
 * A loop's first batch and its last are always logged, the others at most every `intervalMs`, so a
 * backfill of thousands of batches writes a line every 10 s, not one per batch.
 * @param intervalMs smallest interval between two lines of one loop, ms @default DATA_PROGRESS_LOG_INTERVAL_MS
 * @param now the clock, ms (tests) @default Date.now
 */
export function dataProgressLog(log: Log, intervalMs = DATA_PROGRESS_LOG_INTERVAL_MS, now: () => number = Date.now): DataMigrationProgressListener {
  const loops = new Map<string, number>();
  return (progress: DataMigrationProgress) => {
    const id = JSON.stringify([progress.version, progress.direction, progress.loop]);
    const at = now();
    const logged = loops.get(id);
    if (logged !== undefined && !progress.finished && at - logged < intervalMs) return;
    loops.set(id, at);
    log.info('data migration progress', {
      version: progress.version,
      direction: progress.direction,
      loop: progress.loop,
      batches: progress.batches,
      rows: progress.rows,
      totalBatches: progress.totalBatches,
      totalRows: progress.totalRows,
      ...(progress.estimatedTotalRows !== undefined ? { estimatedTotalRows: progress.estimatedTotalRows } : {}),
      rowsPerSecond: Math.round(progress.rows / Math.max(progress.elapsedMs / 1000, 0.001)),
      finished: progress.finished,
    });
  };
}
