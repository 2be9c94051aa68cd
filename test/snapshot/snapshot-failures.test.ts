import { describe, expect, it } from 'vitest';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import { manifestKey, tableObjectKey } from '../../lambda/snapshot/keys';
import { readManifest, SnapshotNotFoundError } from '../../lambda/snapshot/manifest-store';
import { SnapshotError } from '../../lambda/snapshot/snapshot-error';
import { newSnapshotId } from '../../lambda/snapshot/snapshot-id';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { startLocalS3 } from '../../local/s3/local-s3';
import { useSnapshotStore } from '../support/snapshot-store';
import { withFault } from './support/fault';
import { multipartUploadsInProgress, objectExists } from './support/table-object';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const BUCKET = 'failures';
const store = useSnapshotStore({
  database: 'snapshot_failures',
  bucket: BUCKET,
  sql: `
    CREATE TABLE a_first (id int PRIMARY KEY, v text);
    INSERT INTO a_first SELECT g, 'v' || g FROM generate_series(1, 200) AS g;
    CREATE TABLE a_second (id int PRIMARY KEY, v text);
    INSERT INTO a_second SELECT g, 'w' || g FROM generate_series(1, 300) AS g;
    -- About 15 MB of JSON that gzip cannot shrink below 5 MiB: the upload goes multipart.
    CREATE TABLE b_wide (id int PRIMARY KEY, h text);
    INSERT INTO b_wide SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
      FROM generate_series(1, 100000) AS g;
    CREATE TABLE c_last (id int PRIMARY KEY);
    INSERT INTO c_last SELECT generate_series(1, 10);
    CREATE SCHEMA tiny;
    CREATE TABLE tiny.t (id int PRIMARY KEY);
    INSERT INTO tiny.t VALUES (1);
  `,
});

const scope = () => ({ s3: store.s3, bucket: BUCKET, prefix: '', database: store.db.name });

describe('a snapshot that fails', () => {
  it('fails before exporting anything when the bucket does not exist, and leaves no manifest', async () => {
    const snapshotId = newSnapshotId();
    const error = await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: 'no-such-bucket', snapshotId, schemaVersion: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).table).toBeUndefined();
    expect((error as Error).message).toMatch(/failed before exporting any table, checking s3:\/\/no-such-bucket\/: NoSuchBucket/);
    expect(await listSnapshots(scope())).toEqual([]);
    await expect(readManifest({ ...scope(), snapshotId })).rejects.toBeInstanceOf(SnapshotNotFoundError);
  });

  it('aborts the multipart upload and removes the finished table objects when the database fails mid-table', async () => {
    const snapshotId = newSnapshotId();
    const driver = withFault(store.db.driver());
    let sawMultipart: string[] = [];
    const error = await takeSnapshot({
      // Pages of about 0.7 MB: the large table takes about 20 statements, so statements remain after part 1.
      // No retry of the failed page read (transient-retries.test.ts retries them): the failure path is tested here.
      driver, s3: store.s3, bucket: BUCKET, snapshotId, schemaVersion: null, paging: { responseBudgetBytes: 1024 * 1024 }, parallelism: 1, transientRetry: { retries: 0 },
      onProgress: async (p) => {
        if (driver.armed || p.table !== 'b_wide' || p.compressedBytes < 5.25 * 1024 * 1024) return;
        // Part 1 is on its way: wait until S3 shows the upload, then fail the next statement.
        for (let i = 0; i < 100 && sawMultipart.length === 0; i++) {
          sawMultipart = await multipartUploadsInProgress(store.s3, BUCKET);
          if (sawMultipart.length === 0) await new Promise((r) => setTimeout(r, 50));
        }
        driver.armed = true;
      },
    }).catch((e: unknown) => e);

    expect(driver.fired).toBe(true);
    expect(sawMultipart).toEqual([tableObjectKey(scope(), snapshotId, { schema: 'public', table: 'b_wide' })]);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).table).toEqual({ schema: 'public', table: 'b_wide' });
    expect((error as Error).message).toContain('failed at table "public"."b_wide": DriverError ECONNRESET');
    expect(await multipartUploadsInProgress(store.s3, BUCKET)).toEqual([]);
    expect(await objectExists(store.s3, BUCKET, manifestKey(scope(), snapshotId))).toBe(false);
    for (const table of ['a_first', 'a_second', 'b_wide']) {
      expect(await objectExists(store.s3, BUCKET, tableObjectKey(scope(), snapshotId, { schema: 'public', table }))).toBe(false);
    }
    expect((await listSnapshots(scope())).map((s) => s.snapshotId)).not.toContain(snapshotId);
  });

  it('names the table when S3 goes away during the snapshot; after a restart the snapshot is not listed', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-s3-restart-'));
    try {
      const first = await startLocalS3({ directory });
      await first.createBucket('restart');
      const snapshotId = newSnapshotId();
      let closed = false;
      const error = await takeSnapshot({
        // One table at a time, so that the table exported when S3 goes away is a_second alone.
        driver: store.db.driver(), s3: first.client(), bucket: 'restart', snapshotId, schemaVersion: null, parallelism: 1,
        onProgress: async (p) => {
          if (!closed && p.table === 'a_second') {
            closed = true;
            await first.close();
          }
        },
      }).catch((e: unknown) => e);
      expect(closed).toBe(true);
      expect(error).toBeInstanceOf(SnapshotError);
      expect((error as SnapshotError).table).toEqual({ schema: 'public', table: 'a_second' });
      expect((error as Error).message).toContain('failed at table "public"."a_second"');

      const second = await startLocalS3({ directory });
      try {
        const client = second.client();
        const location = { s3: client, bucket: 'restart', database: store.db.name };
        expect(await listSnapshots(location)).toEqual([]);
        // The table finished before S3 went away is still there (S3 was not reachable to delete it) ...
        expect(await objectExists(client, 'restart', tableObjectKey(location, snapshotId, { schema: 'public', table: 'a_first' }))).toBe(true);
        // ... but without a manifest the snapshot does not exist.
        await expect(readManifest({ ...location, snapshotId })).rejects.toThrow(/not found: no manifest/);

        // The same S3, up again, takes a complete snapshot that is listed.
        const ok = await takeSnapshot({ driver: store.db.driver(), s3: client, bucket: 'restart', schemas: ['tiny'], schemaVersion: '0001' });
        expect((await listSnapshots(location)).map((s) => s.snapshotId)).toEqual([ok.snapshotId]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('snapshot options', () => {
  it('refuses a malformed snapshot id, a bad prefix and a snapshot id that already exists, naming the field', async () => {
    const driver = store.db.driver();
    const base = { driver, s3: store.s3, bucket: BUCKET, schemaVersion: null, schemas: ['tiny'] };
    await expect(takeSnapshot({ ...base, snapshotId: '../../etc' })).rejects.toThrow(/^snapshotId: "..\/..\/etc" is not a snapshot id/);
    await expect(takeSnapshot({ ...base, prefix: 'a/../b/' })).rejects.toThrow(/^prefix: "a\/..\/b\/" must not contain '.' or '..' segments/);
    await expect(takeSnapshot({ ...base, prefix: 'no-slash' })).rejects.toThrow(/^prefix: "no-slash" must end with '\/'/);
    await expect(takeSnapshot({ ...base, schemas: [] })).rejects.toThrow(/^schemas: must list at least one schema/);
    await expect(takeSnapshot({ ...base, paging: { format: 'records', responseBudgetBytes: 2 * 1024 * 1024 } })).rejects.toThrow(
      /^paging\.responseBudgetBytes: 2097152 must be an integer from 4096 to 1048576 \(the Data API's response limit is 1 MiB\)/,
    );
    await expect(takeSnapshot({ ...base, paging: { responseBudgetBytes: 11 * 1024 * 1024 } })).rejects.toThrow(
      /^paging\.responseBudgetBytes: 11534336 must be an integer from 4096 to 10000000 \(the Data API's formattedRecords limit is 10 MB\)/,
    );
    await expect(takeSnapshot({ ...base, paging: { format: 'csv' as 'json' } })).rejects.toThrow(/^paging\.format: "csv" must be "json" or "records"/);
    await expect(takeSnapshot({ ...base, parallelism: 0 })).rejects.toThrow(/^parallelism: 0 must be an integer from 1 to 32/);
    await expect(takeSnapshot({ ...base, keepAliveMs: 180_000 })).rejects.toThrow(/^keepAliveMs: 180000 must be a positive integer below 180000/);
    await expect(takeSnapshot({ ...base, gzipLevel: 0 })).rejects.toThrow(/^gzipLevel: 0 must be an integer from 1 to 9/);
    await expect(takeSnapshot({ ...base, tables: [{ schema: 'public', table: 'a_first' }] })).rejects.toThrow(
      /^tables\[0\]: "public"."a_first" is not in the snapshot's schemas \(tiny\)/,
    );
    await expect(takeSnapshot({ ...base, paging: { pieceBytes: 60_000 } })).rejects.toThrow(/^paging\.pieceBytes: 60000 .*64 KB row limit/);
    await expect(takeSnapshot({ ...base, paging: { maxPageRows: 0 } })).rejects.toThrow(/^paging\.maxPageRows: 0/);

    const done = await takeSnapshot(base);
    await expect(takeSnapshot({ ...base, snapshotId: done.snapshotId })).rejects.toThrow(/^snapshotId: snapshot .* already exists/);
  });
});
