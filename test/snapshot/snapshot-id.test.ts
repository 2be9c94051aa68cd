import { describe, expect, it } from 'vitest';
import { newSnapshotId, SNAPSHOT_ID_PATTERN, snapshotIdTime } from '../../lambda/snapshot/snapshot-id';

describe('snapshot ids', () => {
  it('sort by start time as strings, also within one second (listings newest first, keep-N retention)', () => {
    const second = Date.parse('2026-11-21T10:23:10.000Z');
    const ids = [999, 5, 500, 0, 42].map((ms) => newSnapshotId(new Date(second + ms)));
    for (const id of ids) expect(id).toMatch(SNAPSHOT_ID_PATTERN);
    const byTime = [0, 5, 42, 500, 999].map((ms) => ids[[999, 5, 500, 0, 42].indexOf(ms)]);
    expect([...ids].sort()).toEqual(byTime);
    expect(snapshotIdTime(ids[0]!)).toEqual(new Date(second));
  });

  it('carry a random part after the milliseconds (5 hex digits: two ids of one millisecond differ)', () => {
    const now = new Date();
    // 10 ids from 2^20 random values: a repeat has a chance of 4 in 100,000.
    const ids = new Set(Array.from({ length: 10 }, () => newSnapshotId(now)));
    expect(ids.size).toBe(10);
  });
});
