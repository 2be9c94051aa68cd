import { describe, expect, it } from 'vitest';
import { BlockRangeCursor, MAX_RANGE_PAGES } from '../../lambda/snapshot/block-ranges';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { useSnapshotStore } from '../support/snapshot-store';
import { countingRenderedRows } from './support/rendered-rows';
import { compareWithTable } from './support/round-trip';
import { readTableObject } from './support/table-object';

const BUCKET = 'snapshots';
const ROWS = 3000;

// A bloated table as a full-table UPDATE leaves it (issue #4): every row rewritten, no VACUUM, so the
// first half of the heap holds only dead tuples and every live row sits in the second half.
const store = useSnapshotStore({
  database: 'physical_bloat',
  bucket: BUCKET,
  sql: `
    CREATE TABLE essays (id int PRIMARY KEY, title text NOT NULL, body text NOT NULL, score numeric) WITH (autovacuum_enabled = off);
    INSERT INTO essays SELECT g, 'essay ' || g, repeat(md5(g::text), 12), g / 7.0 FROM generate_series(1, ${ROWS}) AS g;
    UPDATE essays SET score = score + 1;`,
});

describe('physical-order export of a bloated table (live rows at the end of the heap)', () => {
  it('has its live rows in the second half of the heap', async () => {
    const { rows } = await store.db.sql(`SELECT pg_relation_size('essays') / 8192 AS blocks, min((ctid::text::point)[0])::int AS first_live FROM essays`);
    expect(Number(rows[0].first_live)).toBeGreaterThanOrEqual(Math.floor(Number(rows[0].blocks) / 2) - 1);
  });

  it.each([
    [1, 'record'],
    [3, 'record'],
    [1, 'json'],
    [3, 'json'],
  ] as const)('renders every row about once, however the ranges were sized (parallelism %i, %s lines)', async (parallelism, lineFormat) => {
    const driver = countingRenderedRows(store.db.driver());
    const result = await takeSnapshot({
      driver, s3: store.s3, bucket: BUCKET, prefix: `bloat-${parallelism}-${lineFormat}/`, schemaVersion: null, order: 'physical', parallelism,
      // Pages of 32 KiB: the 1.3 MB of lines (a little less as records) take about 100 page statements.
      paging: { responseBudgetBytes: 32 * 1024, pieceBytes: 6000, lineFormat },
    });
    const table = result.manifest.tables.find((t) => t.table === 'essays')!;
    expect(table).toMatchObject({ order: 'physical', rowCount: ROWS });
    const object = await readTableObject(store.s3, BUCKET, table.key);
    expect(object.format).toBe(lineFormat);
    expect(await compareWithTable(store.db, table, object.lines, object.format)).toEqual({ missing: 0, extra: 0, sourceRows: ROWS, restoredRows: ROWS });

    const pages = driver.pages;
    const rendered = pages.reduce((sum, p) => sum + p.rendered, 0);
    const scanned = pages.reduce((sum, p) => sum + p.scanned, 0);
    expect(pages.length).toBeGreaterThan(40);
    // Every row is rendered (counted) at least once.
    expect(rendered).toBeGreaterThanOrEqual(ROWS);
    // Each row rendered about once (a page whose rows turn out larger than measured renders some again),
    // and read by a bounded number of scans, not once per page of its range.
    expect(rendered / ROWS).toBeLessThanOrEqual(1.5);
    expect(Math.max(...pages.map((p) => p.rendered))).toBeLessThan(ROWS / 10);
    expect(scanned / ROWS).toBeLessThanOrEqual(12);
  });
});

describe('BlockRangeCursor over sparse then dense blocks', () => {
  it('grows ranges over empty blocks at most 4 times a range, and never past 8 pages at the on-disk density', () => {
    // 10,000 blocks of 8 KiB on disk: 12 KiB of JSON a block at the start estimate; pages of 120 KiB, so 10 blocks a page.
    const cursor = new BlockRangeCursor([{ schema: 'public', table: 'essays', blocks: 10_000, bytesPerBlock: 8192 }], 10 * 8192 * 1.5);
    const sizes: number[] = [];
    for (let range = cursor.next(); range; range = cursor.next()) {
      sizes.push(range.toBlock - range.fromBlock);
      cursor.measure(range.toBlock - range.fromBlock, 0, 0);
    }
    expect(sizes.slice(0, 4)).toEqual([10, 40, 80, 80]);
    expect(Math.max(...sizes)).toBe(10 * MAX_RANGE_PAGES);
  });

  it('sizes the rows of a page from the bytes per row measured, else from the catalog, else leaves it to the caller', () => {
    const unknown = new BlockRangeCursor([{ schema: 'public', table: 'essays', blocks: 100, bytesPerBlock: 8192 }], 100_000);
    expect(unknown.pageRows(100_000)).toBeUndefined();
    const estimated = new BlockRangeCursor([{ schema: 'public', table: 'essays', blocks: 100, bytesPerBlock: 8192, bytesPerRow: 1000 }], 100_000);
    expect(estimated.pageRows(150_000)).toBe(100);
    estimated.measure(10, 50_000, 100);
    expect(estimated.pageRows(150_000)).toBe(300);
  });
});
