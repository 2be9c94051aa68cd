/**
 * The function's data migration progress lines (`lambda/function/data-progress-log.ts`): one line per
 * loop every interval, the first and last batch always, counts only.
 */
import { describe, expect, it } from 'vitest';
import type { DataMigrationProgress } from '../../lambda/engine/data/data-migration';
import { dataProgressLog } from '../../lambda/function/data-progress-log';
import { captureLog } from './support/capture-log';

const batch = (n: number, extra: Partial<DataMigrationProgress> = {}): DataMigrationProgress => ({
  version: '0042',
  name: 'backfill',
  direction: 'up',
  loop: 'public.invoice',
  batches: n,
  rows: n * 1000,
  totalBatches: n,
  totalRows: n * 1000,
  finished: false,
  elapsedMs: n * 1000,
  ...extra,
});

describe('dataProgressLog', () => {
  it('logs the first batch, then at most one line per interval, and always the last', () => {
    const log = captureLog();
    let now = 0;
    const listener = dataProgressLog(log, 10_000, () => now);
    for (let n = 1; n <= 30; n++) {
      now = n * 1000; // one batch a second
      listener(batch(n, n === 30 ? { finished: true, estimatedTotalRows: 30_000 } : {}));
    }
    const lines = log.lines.filter((l) => l.message === 'data migration progress');
    expect(lines.map((l) => l.extra?.batches)).toEqual([1, 11, 21, 30]);
    expect(lines[0]!.extra).toEqual({
      version: '0042',
      direction: 'up',
      loop: 'public.invoice',
      batches: 1,
      rows: 1000,
      totalBatches: 1,
      totalRows: 1000,
      rowsPerSecond: 1000,
      finished: false,
    });
    // The rate is rows of this run over the loop's time in this run; the last line has the estimate.
    expect(lines[1]!.extra).toMatchObject({ rows: 11_000, rowsPerSecond: 1000 });
    expect(lines[3]!.extra).toMatchObject({ batches: 30, rows: 30_000, estimatedTotalRows: 30_000, finished: true });
    expect(lines.every((l) => l.level === 'info')).toBe(true);
  });

  it('keeps each loop (and direction) on its own clock', () => {
    const log = captureLog();
    const listener = dataProgressLog(log, 10_000, () => 5);
    listener(batch(1));
    listener(batch(1, { loop: 'public.customer' }));
    listener(batch(1, { direction: 'down' }));
    listener(batch(2));
    expect(log.lines.map((l) => [l.extra?.loop, l.extra?.direction, l.extra?.batches])).toEqual([
      ['public.invoice', 'up', 1],
      ['public.customer', 'up', 1],
      ['public.invoice', 'down', 1],
    ]);
  });
});
