/**
 * A physical-order export writes each table's lines in ctid order, range after range and within each
 * page (the `whole` page packs its rows in the order of its TID range scan, with no sort), whatever the
 * key order: here rows updated after they were inserted sit at the end of the heap.
 */
import { describe, expect, it } from 'vitest';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { useSnapshotStore } from '../support/snapshot-store';
import { readTableObject } from './support/table-object';

const BUCKET = 'physical-order';
const store = useSnapshotStore({
  database: 'physical_order',
  bucket: BUCKET,
  sql: `
    CREATE TABLE events (id int PRIMARY KEY, body text NOT NULL);
    INSERT INTO events SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 3000) AS g;
    UPDATE events SET body = body || ' (edited)' WHERE id % 7 = 0;`,
});

describe('physical-order export', () => {
  it('writes the lines in ctid order across several ranges, not in key order', async () => {
    const { manifest } = await takeSnapshot({
      driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: null, order: 'physical', parallelism: 2, paging: { responseBudgetBytes: 64 * 1024 },
    });
    const entry = manifest.tables.find((t) => t.table === 'events')!;
    expect(entry.order).toBe('physical');
    const { lines } = await readTableObject(store.s3, BUCKET, entry.key);
    const byCtid = (await store.db.sql(`SELECT ROW(e.id, e.body)::text AS line FROM events AS e ORDER BY e.ctid`)).rows.map((r) => r.line);
    const byKey = (await store.db.sql(`SELECT ROW(e.id, e.body)::text AS line FROM events AS e ORDER BY e.id`)).rows.map((r) => r.line);
    expect(byCtid).not.toEqual(byKey);
    expect(lines).toEqual(byCtid);
  });
});
