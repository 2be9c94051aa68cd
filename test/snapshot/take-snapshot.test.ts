import { describe, expect, it } from 'vitest';
import type { Driver, QueryResult, Row } from '../../lambda/driver/driver';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import { readManifest } from '../../lambda/snapshot/manifest-store';
import { SnapshotError } from '../../lambda/snapshot/snapshot-error';
import { SNAPSHOT_ID_PATTERN } from '../../lambda/snapshot/snapshot-id';
import { takeSnapshot, type SnapshotProgress } from '../../lambda/snapshot/take-snapshot';
import { useSnapshotStore } from '../support/snapshot-store';
import { FIXTURE_SQL, PUBLIC_TABLES } from './support/fixture';
import { compareWithTable } from './support/round-trip';
import { readTableObject } from './support/table-object';

const BUCKET = 'snapshots';
const store = useSnapshotStore({ database: 'snapshot', bucket: BUCKET, sql: FIXTURE_SQL });

/** A driver that records the size of every response and of its largest row, as the Data API would see them. */
function measuring(driver: Driver): Driver & { responses: { bytes: number; maxRowBytes: number }[] } {
  const responses: { bytes: number; maxRowBytes: number }[] = [];
  const size = (rows: Row[]) => {
    const rowBytes = rows.map((r) =>
      Object.values(r).reduce<number>((sum, v) => sum + (v instanceof Uint8Array ? Math.ceil(v.length / 3) * 4 : Buffer.byteLength(JSON.stringify(v))), 0),
    );
    responses.push({ bytes: rowBytes.reduce((a, b) => a + b, 0), maxRowBytes: Math.max(0, ...rowBytes) });
  };
  const wrap = <T extends { execute: Driver['execute'] }>(executor: T): T =>
    Object.assign(Object.create(executor) as T, {
      async execute<R extends Row>(...args: Parameters<Driver['execute']>): Promise<QueryResult<R>> {
        const result = await executor.execute<R>(...args);
        size(result.rows);
        return result;
      },
    });
  const measured = wrap(driver) as Driver & { responses: typeof responses };
  measured.beginTransaction = async () => wrap(await driver.beginTransaction());
  measured.responses = responses;
  return measured;
}

describe('takeSnapshot over the pg driver', () => {
  it.each(['record', 'json'] as const)('exports every table of public exactly once, faithfully, with a manifest that matches the objects (%s lines)', async (lineFormat) => {
    const driver = store.db.driver();
    const result = await takeSnapshot({
      driver, s3: store.s3, bucket: BUCKET, prefix: 'rds-migrate/', schemaVersion: '0007', appliedVersions: ['0001', '0007'],
      ...(lineFormat === 'json' ? { paging: { lineFormat } } : {}),
    });

    expect(result.snapshotId).toMatch(SNAPSHOT_ID_PATTERN);
    expect(result.manifestKey).toBe(`rds-migrate/${store.db.name}/${result.snapshotId}/manifest.json`);
    expect(result.tables.map((t) => `${t.schema}.${t.table}`)).toEqual(PUBLIC_TABLES);

    const manifest = await readManifest({ s3: store.s3, bucket: BUCKET, prefix: 'rds-migrate/', database: store.db.name, snapshotId: result.snapshotId });
    expect(manifest).toEqual(result.manifest);
    expect(manifest).toMatchObject({
      formatVersion: 3, lineFormat, database: store.db.name, schemaVersion: '0007', appliedVersions: ['0001', '0007'], schemas: ['public'], scope: 'full',
    });
    expect(Date.parse(manifest.createdAt)).toBeGreaterThan(Date.now() - 120_000);

    for (const table of manifest.tables) {
      const object = await readTableObject(store.s3, BUCKET, table.key);
      const where = `${table.schema}.${table.table}`;
      expect(object.lines.length, where).toBe(table.rowCount);
      expect(object.bytes, where).toBe(table.bytes);
      expect(object.compressedBytes, where).toBe(table.compressedBytes);
      expect(object.checksum, where).toBe(table.checksum);
      if (lineFormat === 'json') for (const line of object.lines) expect(Object.keys(JSON.parse(line) as object), where).toEqual(table.columns.map((c) => c.name));
      const comparison = await compareWithTable(store.db, table, object.lines, object.format);
      expect(comparison, where).toEqual({ missing: 0, extra: 0, sourceRows: table.rowCount, restoredRows: table.rowCount });
    }
    expect(manifest.totalRows).toBe(manifest.tables.reduce((sum, t) => sum + t.rowCount, 0));

    const byName = new Map(manifest.tables.map((t) => [t.table, t]));
    expect(byName.get('everything')!.rowCount).toBe(3000);
    expect(byName.get('everything')!.columns.map((c) => c.name)).not.toContain('twice');
    expect(byName.get('everything')!.columns.find((c) => c.name === 'amount')!.type).toBe('numeric(30,10)');
    expect(byName.get('everything')!.keyColumns).toEqual(['id']);
    // PostgreSQL 14 and later: small tables with a key in key order, the others in physical order (ranges of heap blocks).
    for (const t of manifest.tables) expect(t.order, t.table).toBe(t.keyColumns ? 'key' : 'physical');
    expect(byName.get('composite_key')!.keyColumns).toEqual(['region', 'seq']);
    expect(byName.get('unique_key')!.keyColumns).toEqual(['email']);
    expect(byName.get('no_key')).toMatchObject({ keyColumns: null, rowCount: 1506 });
    expect(byName.get('events')).toMatchObject({ kind: 'partitioned', keyColumns: ['id', 'at'], rowCount: 900 });
    expect(byName.get('readings')).toMatchObject({ kind: 'partitioned', keyColumns: null, rowCount: 700 });
    expect(byName.get('animal')!.rowCount).toBe(1); // ONLY: the dogs are in their own table
    expect(byName.get('dog')!.rowCount).toBe(2);
    expect(byName.get('empty_table')!.rowCount).toBe(0);
    expect(byName.get('no_columns')).toMatchObject({ rowCount: 2, columns: [], keyColumns: null });
    expect(byName.get('odd_keys')).toMatchObject({ rowCount: 600, keyColumns: ['at', 'amount', 'f', 'u'] });
    expect(byName.get('identity_only')!.columns).toEqual([{ name: 'id', type: 'integer' }]);
    // Sequences owned by serial and identity columns, with their values when the snapshot ran.
    expect(byName.get('big_text')!.sequences).toEqual([{ schema: 'public', name: 'big_text_id_seq', lastValue: '40', isCalled: true }]);
    expect(byName.get('identity_only')!.sequences).toEqual([{ schema: 'public', name: 'identity_only_id_seq', lastValue: '1', isCalled: true }]);
    expect(byName.get('everything')!.sequences).toEqual([]);
    expect(byName.get('Odd.Name/../x')!.key).toBe(
      `rds-migrate/${store.db.name}/${result.snapshotId}/tables/public.Odd%2EName%2F%2E%2E%2Fx.${lineFormat === 'json' ? 'jsonl' : 'records'}.gz`,
    );

    const lines = (await readTableObject(store.s3, BUCKET, byName.get('everything')!.key)).lines;
    if (lineFormat === 'record') {
      // PostgreSQL's own text output of each value, quoted where record_out quotes: exact numerics, timestamptz in the
      // session's zone (UTC), hex bytea with its backslash doubled, arrays and json as their text.
      expect(lines[0]).toMatch(/^\(1,/);
      expect(lines[0]).toContain(',123456789012345678901234567890.111,');
      expect(lines[0]).toContain('"2024-02-29 07:45:15.654321+00"');
      expect(lines[0]).toContain('"\\\\xc4ca4238a0b923820dcc509a6f75849b00ff"');
      expect(lines[0]).toContain('"{""a,b"",""quote\\\\"""",NULL,""back\\\\\\\\slash"",""""}"');
      return;
    }
    // PostgreSQL's own JSON rendering: exact numerics, UTC timestamptz, hex bytea, nested json.
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first.id).toBe(1);
    expect(lines[0]).toContain('"big":123456789012345678901234567890.111');
    expect(first.at_zone).toBe('2024-02-29T07:45:15.654321+00:00');
    expect(first.blob).toBe('\\xc4ca4238a0b923820dcc509a6f75849b00ff');
    expect(first.docb).toEqual({ g: 1, big: 12345678901234567890.123456789, nested: { deep: [1, 2] } });
    expect(lines[0]).toContain('"big": 12345678901234567890.123456789');
    expect(first.words).toEqual(['a,b', 'quote"', null, 'back\\slash', '']);
    expect(JSON.parse(lines[9]!).doc).toEqual({ spaced: [1, 2], g: 10 });

    const listed = await listSnapshots({ s3: store.s3, bucket: BUCKET, prefix: 'rds-migrate/', database: store.db.name });
    expect(listed.map((s) => s.snapshotId)).toContain(result.snapshotId);
  });

  it.each(['physical', 'key'] as const)('pages under a small response budget without losing or repeating a row, rows larger than a page included (%s order)', async (order) => {
    const driver = measuring(store.db.driver());
    const progress: SnapshotProgress[] = [];
    const budget = 12 * 1024;
    const result = await takeSnapshot({
      driver, s3: store.s3, bucket: BUCKET, prefix: `paged-${order}/`, schemaVersion: null, order,
      paging: { responseBudgetBytes: budget, pieceBytes: 6000 },
      onProgress: (p) => {
        progress.push(p);
      },
    });
    const pagesOf = (table: string) => Math.max(...progress.filter((p) => p.table === table).map((p) => p.pages));
    // Pages of at most 12 KiB of packed lines (as base64): the tables of 6 to 2,000 KB of record lines take several each.
    expect(pagesOf('everything')).toBeGreaterThan(50);
    expect(pagesOf('no_key')).toBeGreaterThan(2);
    expect(pagesOf('readings')).toBeGreaterThan(2);
    expect(pagesOf('composite_key')).toBeGreaterThan(2);
    expect(pagesOf('odd_keys')).toBeGreaterThan(2);
    // The 4 large rows are about 0.2 to 0.9 MB of record text each: dozens of pages.
    expect(pagesOf('big_text')).toBeGreaterThan(50);

    for (const table of result.manifest.tables) {
      const object = await readTableObject(store.s3, BUCKET, table.key);
      expect(object.checksum).toBe(table.checksum);
      const comparison = await compareWithTable(store.db, table, object.lines, object.format);
      expect(comparison, table.table).toEqual({ missing: 0, extra: 0, sourceRows: table.rowCount, restoredRows: table.rowCount });
    }
    // Every response within the budget, every result row within the Data API's 64 KB.
    expect(Math.max(...driver.responses.map((r) => r.bytes))).toBeLessThanOrEqual(budget);
    expect(Math.max(...driver.responses.map((r) => r.maxRowBytes))).toBeLessThanOrEqual(8000 + 200);
  });

  it('keeps responses under the default budget and rows under 64 KB with the default paging, in both formats', async () => {
    const records = measuring(store.db.driver());
    const result = await takeSnapshot({ driver: records, s3: store.s3, bucket: BUCKET, schemaVersion: null, paging: { format: 'records' } });
    expect(result.totalRows).toBeGreaterThan(5000);
    expect(Math.max(...records.responses.map((r) => r.bytes))).toBeLessThanOrEqual(900 * 1024);
    expect(Math.max(...records.responses.map((r) => r.maxRowBytes))).toBeLessThanOrEqual(64_000);
    // The 0.8 MB row does not fit one response: it took more than one.
    expect(records.responses.filter((r) => r.bytes > 500 * 1024).length).toBeGreaterThan(2);

    // JSON records (the default): 3 MiB pages, so fewer statements for the same bytes.
    const json = measuring(store.db.driver());
    const again = await takeSnapshot({ driver: json, s3: store.s3, bucket: BUCKET, schemaVersion: null });
    expect(again.manifest.tables.map((t) => t.checksum)).toEqual(result.manifest.tables.map((t) => t.checksum));
    expect(Math.max(...json.responses.map((r) => r.bytes))).toBeLessThanOrEqual(3 * 1024 * 1024);
    expect(Math.max(...json.responses.map((r) => r.maxRowBytes))).toBeLessThanOrEqual(64_000);
    expect(Math.max(...json.responses.map((r) => r.bytes))).toBeGreaterThan(1024 * 1024);
    expect(json.responses.length).toBeLessThan(records.responses.length);
  });

  it('renders every partition in its partitioned table\'s column order, whatever the partition\'s own order', async () => {
    await store.db.sql(`
      CREATE SCHEMA parts;
      CREATE TABLE parts.p (a int NOT NULL, b text, c date) PARTITION BY LIST (a);
      CREATE TABLE parts.p_one PARTITION OF parts.p FOR VALUES IN (1);
      CREATE TABLE parts.p_two (c date, extra int, b text, a int NOT NULL);
      ALTER TABLE parts.p_two DROP COLUMN extra;
      ALTER TABLE parts.p ATTACH PARTITION parts.p_two FOR VALUES IN (2);
      INSERT INTO parts.p SELECT 1 + g % 2, 'b' || g, DATE '2024-01-01' + g FROM generate_series(1, 400) AS g;`);
    for (const order of ['physical', 'key'] as const) {
      const result = await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, prefix: `parts-${order}/`, schemas: ['parts'], schemaVersion: null, order });
      const table = result.manifest.tables[0]!;
      expect(table).toMatchObject({ table: 'p', kind: 'partitioned', order, rowCount: 400 });
      const { lines } = await readTableObject(store.s3, BUCKET, table.key);
      // The parent's order (a, b, c), also for the rows of p_two (c, b, a on disk).
      for (const line of lines) expect(line).toMatch(/^\([12],b\d+,\d{4}-\d\d-\d\d\)$/);
      expect(await compareWithTable(store.db, table, lines)).toEqual({ missing: 0, extra: 0, sourceRows: 400, restoredRows: 400 });
    }
  });

  it('exports other schemas only when listed, and refuses unknown ones by name', async () => {
    const driver = store.db.driver();
    const result = await takeSnapshot({ driver, s3: store.s3, bucket: BUCKET, schemas: ['other', 'rds_migrate'], schemaVersion: null });
    expect(result.tables.map((t) => `${t.schema}.${t.table}`)).toEqual(['other.secret', 'rds_migrate.schema_history']);
    const error = await takeSnapshot({ driver, s3: store.s3, bucket: BUCKET, schemas: ['public', 'nope'], schemaVersion: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as Error).message).toMatch(/listing the tables.*no schema named "nope"/);
  });
});
