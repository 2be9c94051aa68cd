/**
 * Snapshots over the Data API: DataApiDriver → real SDK client → local Data API (1 MiB responses,
 * 64 KB rows, no session state between calls) → PostgreSQL. The objects must be byte for byte those
 * the `pg` driver produces, since both read PostgreSQL's own JSON rendering.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { manifestKey, tableObjectKey } from '../../lambda/snapshot/keys';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import { SnapshotError } from '../../lambda/snapshot/snapshot-error';
import { newSnapshotId } from '../../lambda/snapshot/snapshot-id';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { useSnapshotStore } from '../support/snapshot-store';
import { FIXTURE_SQL, PUBLIC_TABLES } from './support/fixture';
import { compareWithTable } from './support/round-trip';
import { multipartUploadsInProgress, objectExists, readTableObject } from './support/table-object';

const BUCKET = 'data-api-snapshots';
const store = useSnapshotStore({ database: 'snapshot_data_api', bucket: BUCKET, sql: FIXTURE_SQL });
let api: LocalDataApi;
let client: RDSDataClient;
let driver: DataApiDriver;

beforeAll(async () => {
  await store.db.sql(`
    -- About 15 MB of JSON that gzip cannot shrink below 5 MiB: the upload goes multipart.
    CREATE SCHEMA wide;
    CREATE TABLE wide.a_small (id int PRIMARY KEY);
    INSERT INTO wide.a_small SELECT generate_series(1, 10);
    CREATE TABLE wide.b_wide (id int PRIMARY KEY, h text);
    INSERT INTO wide.b_wide SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
      FROM generate_series(1, 100000) AS g;
    -- Rows of 0.1 to 0.3 MB and small ones, for a server with smaller limits.
    CREATE SCHEMA limits;
    CREATE TABLE limits.docs (id int PRIMARY KEY, body text);
    INSERT INTO limits.docs SELECT g, CASE WHEN g <= 3 THEN repeat('"ü" \\ ' || md5(g::text), 2500 * g) ELSE 'doc ' || g END
      FROM generate_series(1, 300) AS g;`);
  api = await startLocalDataApi({ postgresUrl: store.db.url });
  client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: store.db.name, client });
});
afterAll(async () => {
  await driver?.close();
  client?.destroy();
  await api?.close();
});

describe('takeSnapshot over the Data API', () => {
  it('exports the same bytes as over pg, within the response and row limits', async () => {
    const before = api.counters.byOperation;
    const overDataApi = await takeSnapshot({ driver, s3: store.s3, bucket: BUCKET, prefix: 'data-api/', schemaVersion: '0001' });
    const overPg = await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, prefix: 'pg/', schemaVersion: '0001' });

    expect(overDataApi.tables.map((t) => `${t.schema}.${t.table}`)).toEqual(PUBLIC_TABLES);
    const fingerprint = (r: typeof overPg) => r.manifest.tables.map((t) => [t.table, t.rowCount, t.bytes, t.checksum, t.columns, t.keyColumns]);
    expect(fingerprint(overDataApi)).toEqual(fingerprint(overPg));

    for (const table of overDataApi.manifest.tables) {
      const object = await readTableObject(store.s3, BUCKET, table.key);
      expect(object.checksum).toBe(table.checksum);
      const comparison = await compareWithTable(store.db, table, object.lines, object.format);
      expect(comparison, table.table).toEqual({ missing: 0, extra: 0, sourceRows: table.rowCount, restoredRows: table.rowCount });
    }
    // The main transaction and 3 workers (the default parallelism): SET TRANSACTION was accepted as the
    // first statement of each, SET TRANSACTION SNAPSHOT too; no call was refused for size.
    const after = api.counters.byOperation;
    expect(after.BeginTransaction.calls - before.BeginTransaction.calls).toBe(4);
    expect(after.CommitTransaction.calls - before.CommitTransaction.calls).toBe(4);
    expect(after.ExecuteStatement.errors - before.ExecuteStatement.errors).toBe(0);
  });

  it('pages under a server with smaller limits', async () => {
    const small = await startLocalDataApi({ postgresUrl: store.db.url, maxResponseBytes: 64 * 1024, maxRowBytes: 16 * 1024 });
    const smallClient = new RDSDataClient({ ...small.clientConfig(), maxAttempts: 1 });
    const smallDriver = new DataApiDriver({ resourceArn: small.resourceArn, secretArn: small.secretArn, database: store.db.name, client: smallClient });
    try {
      const result = await takeSnapshot({
        driver: smallDriver, s3: store.s3, bucket: BUCKET, prefix: 'small/', schemaVersion: null, schemas: ['limits'],
        paging: { format: 'records', responseBudgetBytes: 60 * 1024, pieceBytes: 7000 },
      });
      const docs = result.manifest.tables[0]!;
      const object = await readTableObject(store.s3, BUCKET, docs.key);
      const comparison = await compareWithTable(store.db, docs, object.lines, object.format);
      expect(comparison).toEqual({ missing: 0, extra: 0, sourceRows: 300, restoredRows: 300 });
      expect(small.counters.byOperation.ExecuteStatement.errors).toBe(0);
      // The three large rows (about 0.1, 0.2 and 0.3 MB of JSON) take several calls each.
      expect(small.counters.byOperation.ExecuteStatement.calls).toBeGreaterThan(12);
    } finally {
      await smallDriver.close();
      smallClient.destroy();
      await small.close();
    }
  });

  it('pages JSON records under a server with a smaller formattedRecords limit', async () => {
    const small = await startLocalDataApi({ postgresUrl: store.db.url, maxFormattedRecordsBytes: 200 * 1024, maxRowBytes: 16 * 1024 });
    const smallClient = new RDSDataClient({ ...small.clientConfig(), maxAttempts: 1 });
    const smallDriver = new DataApiDriver({ resourceArn: small.resourceArn, secretArn: small.secretArn, database: store.db.name, client: smallClient });
    try {
      const result = await takeSnapshot({
        driver: smallDriver, s3: store.s3, bucket: BUCKET, prefix: 'small-json/', schemaVersion: null, schemas: ['limits'],
        paging: { responseBudgetBytes: 180 * 1024, pieceBytes: 7000 },
      });
      const docs = result.manifest.tables[0]!;
      const object = await readTableObject(store.s3, BUCKET, docs.key);
      const comparison = await compareWithTable(store.db, docs, object.lines, object.format);
      expect(comparison).toEqual({ missing: 0, extra: 0, sourceRows: 300, restoredRows: 300 });
      expect(small.counters.byOperation.ExecuteStatement.errors).toBe(0);
      // About 0.6 MB of JSON lines in pages of at most 180 KiB (as base64): at least 4 pages.
      expect(small.counters.byOperation.ExecuteStatement.calls).toBeGreaterThan(8);
    } finally {
      await smallDriver.close();
      smallClient.destroy();
      await small.close();
    }
  });

  it('takes at most one Data API call per MiB exported from a large table', async () => {
    const before = api.counters.byOperation.ExecuteStatement.calls;
    let pages = 0;
    const result = await takeSnapshot({
      driver, s3: store.s3, bucket: BUCKET, prefix: 'calls/', schemaVersion: null, schemas: ['wide'],
      onProgress: (p) => {
        if (p.table === 'b_wide') pages = p.pages;
      },
    });
    const calls = api.counters.byOperation.ExecuteStatement.calls - before;
    const mib = result.manifest.tables.find((t) => t.table === 'b_wide')!.bytes / (1024 * 1024);
    expect(mib).toBeGreaterThan(10);
    // The pages of the large table, and in all at most 16 more calls: the view (isolation; settings),
    // the catalog (schemas; tables), the sequences, the block sizes, the snapshot export, and per worker
    // (3) its isolation, snapshot and settings.
    expect(pages).toBeLessThanOrEqual(mib);
    expect(calls).toBeLessThanOrEqual(pages + 1 + 16);
  });

  it('aborts the multipart upload and writes no manifest when the Data API drops a call mid-table', async () => {
    const snapshotId = newSnapshotId();
    const scope = { prefix: 'dropped/', database: store.db.name };
    let dropped = false;
    let sawMultipart: string[] = [];
    try {
      const error = await takeSnapshot({
        // Pages of about 0.7 MB: the large table takes about 20 statements, so statements remain after part 1.
        // One worker: the statements after the fault is set are the large table's own. No retry of the
        // dropped page read (transient-retries.test.ts retries them): the failure path is tested here.
        driver, s3: store.s3, bucket: BUCKET, prefix: 'dropped/', snapshotId, schemaVersion: null, schemas: ['wide'], paging: { responseBudgetBytes: 1024 * 1024 }, parallelism: 1,
        transientRetry: { retries: 0 },
        onProgress: async (p) => {
          if (api.faults || p.table !== 'b_wide' || p.compressedBytes < 5.25 * 1024 * 1024) return;
          for (let i = 0; i < 100 && sawMultipart.length === 0; i++) {
            sawMultipart = await multipartUploadsInProgress(store.s3, BUCKET);
            if (sawMultipart.length === 0) await new Promise((r) => setTimeout(r, 50));
          }
          api.faults = ({ operation }) => {
            if (operation !== 'ExecuteStatement' || dropped) return undefined;
            dropped = true;
            return { dropConnection: true };
          };
        },
      }).catch((e: unknown) => e);
      expect(dropped).toBe(true);
      expect(sawMultipart).toEqual([tableObjectKey(scope, snapshotId, { schema: 'wide', table: 'b_wide' })]);
      expect(error).toBeInstanceOf(SnapshotError);
      expect((error as SnapshotError).table).toEqual({ schema: 'wide', table: 'b_wide' });
      expect((error as Error).message).toContain('failed at table "wide"."b_wide": DriverError');
      expect(await multipartUploadsInProgress(store.s3, BUCKET)).toEqual([]);
      expect(await objectExists(store.s3, BUCKET, manifestKey(scope, snapshotId))).toBe(false);
      expect(await objectExists(store.s3, BUCKET, tableObjectKey(scope, snapshotId, { schema: 'wide', table: 'a_small' }))).toBe(false);
      expect(await listSnapshots({ s3: store.s3, bucket: BUCKET, ...scope })).toEqual([]);
    } finally {
      api.faults = undefined;
    }
  });
});
