/**
 * The export's progress in bytes of table read (`budget/export-progress.ts`), from which the snapshot's pace
 * projects the rest: each table its `pg_table_size` in proportion of its rows exported, its bytes of lines
 * when it has no row estimate, never more than its size, and nothing for a table the estimate does not list.
 */
import { describe, expect, it } from 'vitest';
import { ExportProgress } from '../../lambda/snapshot/budget/export-progress';

const estimate = {
  tables: [
    { schema: 'public', table: 'orders', bytes: 1_000_000, rows: 10_000 },
    { schema: 'public', table: 'fresh', bytes: 200_000, rows: 0 },
  ],
  bytes: 1_200_000,
  rows: 10_000,
};

describe('ExportProgress', () => {
  it('counts a table with a row estimate by the share of its rows exported, page after page', () => {
    const progress = new ExportProgress(estimate);
    expect(progress.totalBytes).toBe(1_200_000);
    expect(progress.record({ schema: 'public', table: 'orders', rows: 2_500, bytes: 400_000 })).toEqual({ stepBytes: 250_000, bytesLeft: 950_000 });
    expect(progress.record({ schema: 'public', table: 'orders', rows: 5_000, bytes: 800_000 })).toEqual({ stepBytes: 250_000, bytesLeft: 700_000 });
  });

  it('counts a table at most its size when it has more rows than its estimate', () => {
    const progress = new ExportProgress(estimate);
    expect(progress.record({ schema: 'public', table: 'orders', rows: 15_000, bytes: 2_000_000 })).toEqual({ stepBytes: 1_000_000, bytesLeft: 200_000 });
    expect(progress.record({ schema: 'public', table: 'orders', rows: 16_000, bytes: 2_100_000 })).toEqual({ stepBytes: 0, bytesLeft: 200_000 });
  });

  it('counts a table never analysed by its bytes of lines, at most its size', () => {
    const progress = new ExportProgress(estimate);
    expect(progress.record({ schema: 'public', table: 'fresh', rows: 10, bytes: 50_000 })).toEqual({ stepBytes: 50_000, bytesLeft: 1_150_000 });
    expect(progress.record({ schema: 'public', table: 'fresh', rows: 90, bytes: 450_000 })).toEqual({ stepBytes: 150_000, bytesLeft: 1_000_000 });
  });

  it('counts nothing for a table the estimate does not list', () => {
    const progress = new ExportProgress(estimate);
    expect(progress.record({ schema: 'other', table: 'orders', rows: 10_000, bytes: 1_000_000 })).toEqual({ stepBytes: 0, bytesLeft: 1_200_000 });
  });
});
