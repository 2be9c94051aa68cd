/**
 * A restore of wide tables (from `WIDE_ROW_COLUMNS` columns, every type reading its text back exactly),
 * through the local Data API: each batch reads its rows' columns through a cast in FROM, as the table's own
 * row type or, when the table has gained a column since the snapshot, as the row type of a temporary table
 * of the snapshot's columns, a row larger than a batch too (assembled in the database first); every row
 * comes back as it was, NULLs, quotes and arrays included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIDE_ROW_COLUMNS } from '../../lambda/snapshot/restore/record-batch';
import { restoreSnapshot } from '../../lambda/snapshot/restore/restore-snapshot';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { openLocalDataApiDriver, type LocalDataApiDriver } from '../support/local-data-api-driver';
import { useSnapshotStore } from '../support/snapshot-store';

const BUCKET = 'restore-wide';
const TYPES = ['text', 'numeric(12,2)', 'timestamptz', 'integer', 'text[]', 'jsonb', 'uuid', 'date'];
const COLUMNS = Array.from({ length: WIDE_ROW_COLUMNS + 8 }, (_, i) => ({ name: `c${i}`, type: TYPES[i % TYPES.length]! }));
const store = useSnapshotStore({ database: 'restore_wide', bucket: BUCKET });
let dataApi: LocalDataApiDriver;

/** The SQL of column `i`'s value of `type` in row `g`: NULL now and then, text with quotes, commas and a backslash. */
function value(type: string, i: number): string {
  const expression: Record<string, string> = {
    text: `'say "hi", (' || g || ') \\ ' || ${i}`,
    'numeric(12,2)': `(g + ${i} / 100.0)::numeric(12,2)`,
    timestamptz: `TIMESTAMPTZ '2024-02-29 12:00:00+00' + g * interval '61 seconds'`,
    integer: `g * ${i}`,
    'text[]': `ARRAY['x y', NULL, g::text]`,
    jsonb: `jsonb_build_object('g', g, 's', 'a "b"')`,
    uuid: `md5(g || ':' || ${i})::uuid`,
    date: `DATE '2020-01-01' + g`,
  };
  return `CASE WHEN (g + ${i}) % 9 = 0 THEN NULL ELSE ${expression[type]} END`;
}

const lines = async (table: string) =>
  (await store.db.sql(`SELECT ROW(${['id', ...COLUMNS.map((c) => c.name)].map((c) => `t.${c}`).join(', ')})::text AS line FROM ${table} t ORDER BY id`)).rows.map((r) => r.line as string);

beforeAll(async () => {
  for (const table of ['wide', 'wide_grown']) {
    await store.db.sql(`CREATE TABLE ${table} (id int PRIMARY KEY, ${COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ')})`);
    await store.db.sql(`INSERT INTO ${table} SELECT g, ${COLUMNS.map((c, i) => value(c.type, i)).join(', ')}
      FROM generate_series(1, 3000) AS g`);
  }
  // A row larger than a batch (64 KiB here): assembled in the database, then read through the cast too.
  await store.db.sql(`UPDATE wide SET c0 = repeat('a "big" value, ', 8000) WHERE id = 1500`);
  dataApi = await openLocalDataApiDriver(store.db);
});
afterAll(() => dataApi?.close());

describe('restore of wide tables', () => {
  it('brings every row back, through a cast in FROM, into the table as it is and into one that gained a column', async () => {
    const before = { wide: await lines('wide'), grown: await lines('wide_grown') };
    expect(before.wide.some((line) => line.includes(',,'))).toBe(true);
    const { manifest } = await takeSnapshot({ driver: dataApi.driver, s3: store.s3, bucket: BUCKET, schemaVersion: null });
    await store.db.sql(`
      UPDATE wide SET c0 = 'changed' WHERE id % 2 = 0;
      DELETE FROM wide_grown WHERE id % 3 = 0;
      ALTER TABLE wide_grown ADD COLUMN added text DEFAULT 'new'`);
    const statements: string[] = [];
    dataApi.api.faults = ({ operation, request }) => {
      const sql = (request as { sql?: string }).sql ?? '';
      if (operation === 'ExecuteStatement' && sql.includes('AS rds_target')) statements.push(sql);
      return undefined;
    };
    const report = await restoreSnapshot({ driver: dataApi.driver, s3: store.s3, bucket: BUCKET, snapshotId: manifest.snapshotId, confirm: manifest.snapshotId, batchBytes: 64 * 1024 });
    dataApi.api.faults = undefined;
    expect(report.tables.map((t) => [t.table, t.rows, t.verified])).toEqual([['wide', 3000, true], ['wide_grown', 3000, true]]);
    expect(before.wide[1499]!.length).toBeGreaterThan(128_000);
    expect(await lines('wide')).toEqual(before.wide);
    expect(await lines('wide_grown')).toEqual(before.grown);
    expect((await store.db.sql(`SELECT count(*)::int AS n FROM wide_grown WHERE added = 'new'`)).rows[0].n).toBe(3000);
    // Several batches per table, each reading the columns through the cast (the assembled row's too): the
    // table's row type, and the snapshot's columns for the table that gained one.
    expect(statements.length).toBeGreaterThan(4);
    expect(statements.every((sql) => sql.includes('CROSS JOIN LATERAL CAST(rds_source.l AS '))).toBe(true);
    expect(statements.some((sql) => sql.includes('CAST(rds_source.l AS "public"."wide")'))).toBe(true);
    expect(statements.some((sql) => sql.includes('CAST(rds_source.l AS pg_temp.rds_restore_row)'))).toBe(true);
    expect(statements.some((sql) => sql.includes("unnest(ARRAY[current_setting('rds_migrate.restore_row')])"))).toBe(true);
  });
});
