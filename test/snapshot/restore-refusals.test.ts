/**
 * A restore refuses what it cannot do faithfully, and leaves the database as it was: a wrong
 * confirmation, an incomplete snapshot (no manifest, an object missing), a corrupt or cut object, a
 * manifest edited (row count, checksum, key, not JSON), another schema version, a database that cannot
 * take the snapshot, rows that do not read back the same. After each attempt every table is compared
 * with a copy taken before, row by row, and the sequences with their values before.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { manifestKey } from '../../lambda/snapshot/keys';
import type { SnapshotManifest } from '../../lambda/snapshot/manifest';
import { RestoreError, type RestoreFailureKind } from '../../lambda/snapshot/restore/restore-error';
import { restoreSnapshot, type RestoreSnapshotOptions } from '../../lambda/snapshot/restore/restore-snapshot';
import { newSnapshotId } from '../../lambda/snapshot/snapshot-id';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { openLocalDataApiDriver } from '../support/local-data-api-driver';
import { useSnapshotStore } from '../support/snapshot-store';
import { copyTables, diffWithCopy, tablesOf, type ComparedTable } from './support/table-copies';
import { editTable, tamperedCopy } from './support/tamper';

const BUCKET = 'refusals';
const store = useSnapshotStore({
  database: 'restore_refusals',
  bucket: BUCKET,
  sql: `
    CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, balance numeric(12,2));
    CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer int NOT NULL REFERENCES customers, total numeric(12,2), note text);
    INSERT INTO customers (name, balance) SELECT 'customer ' || g, g * 1.25 FROM generate_series(1, 200) AS g;
    INSERT INTO orders (customer, total, note) SELECT 1 + g % 200, g * 0.5, md5(g::text) FROM generate_series(1, 2000) AS g;`,
});
let manifest: SnapshotManifest;
let tables: ComparedTable[];
let sequencesBefore: unknown;

const location = () => ({ s3: store.s3, bucket: BUCKET, prefix: '', database: store.db.name });
const sequences = async () => (await store.db.sql(`SELECT last_value, is_called FROM customers_id_seq UNION ALL SELECT last_value, is_called FROM orders_id_seq`)).rows;

beforeAll(async () => {
  manifest = (await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: '0002' })).manifest;
  // The database moves on after the snapshot: a restore that did anything would show.
  await store.db.sql(`
    UPDATE customers SET balance = 0 WHERE id % 3 = 0;
    DELETE FROM orders WHERE id % 2 = 0;
    INSERT INTO customers (name) VALUES ('late');
    INSERT INTO orders (customer, total) VALUES (201, 9.99);`);
  tables = await tablesOf(store.db, ['public']);
  await copyTables(store.db, tables, 'state');
  sequencesBefore = await sequences();
});

async function expectUnchanged(): Promise<void> {
  for (const table of tables) {
    const copy = await store.db.sql(`SELECT count(*)::int AS n FROM state."public__${table.table}"`);
    expect(await diffWithCopy(store.db, table, 'state'), table.table).toEqual({ missing: 0, extra: 0, rows: copy.rows[0].n });
  }
  expect(await sequences()).toEqual(sequencesBefore);
}

async function refusal(options: Partial<RestoreSnapshotOptions> & { snapshotId: string }, kind: RestoreFailureKind, message: RegExp): Promise<RestoreError> {
  const error = await restoreSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, confirm: options.snapshotId, ...options }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RestoreError);
  const restoreError = error as RestoreError;
  expect(restoreError.message).toMatch(message);
  expect(restoreError.kind).toBe(kind);
  expect(restoreError.databaseChanged).toBe(false);
  await expectUnchanged();
  return restoreError;
}

describe('restore refuses, changing nothing', () => {
  it('a confirmation that does not repeat the snapshot id, and a malformed id', async () => {
    const id = manifest.snapshotId;
    await refusal({ snapshotId: id, confirm: '20250101T000000Z-00000000' }, 'confirmation', /confirm: "20250101T000000Z-00000000" does not repeat the snapshot id/);
    await refusal({ snapshotId: id, confirm: undefined as unknown as string }, 'confirmation', /confirm: undefined does not repeat/);
    await refusal({ snapshotId: '../x', confirm: '../x' }, 'confirmation', /snapshotId: "..\/x" is not a snapshot id/);
  });

  it('an incomplete snapshot: no manifest, or a table object missing', async () => {
    await refusal({ snapshotId: newSnapshotId() }, 'snapshot', /not found: no manifest at s3:\/\/refusals\//);
    const noManifest = newSnapshotId();
    await tamperedCopy(location(), manifest, noManifest, { noManifest: true });
    await refusal({ snapshotId: noManifest }, 'snapshot', /not found: no manifest/);
    const missing = newSnapshotId();
    await tamperedCopy(location(), manifest, missing, { omit: ['orders'] });
    await refusal({ snapshotId: missing }, 'snapshot', new RegExp(`table "public"."orders": object s3://refusals/${store.db.name}/${missing}/tables/public\\.orders\\.records\\.gz is missing`));
  });

  it('a corrupt object (not gzip, same size), loaded in one transaction and rolled back', async () => {
    const id = newSnapshotId();
    await tamperedCopy(location(), manifest, id, { objects: { orders: (body) => randomBytes(body.length) } });
    const error = await refusal({ snapshotId: id }, 'snapshot', /loading table "public"."orders": TableObjectMismatch: .*orders\.records\.gz is not a valid gzip object/);
    expect(error.message).toMatch(/everything was rolled back; the database is as it was$/);
  });

  it('a corrupt object with per-table transactions: every object is checked before the tables are emptied', async () => {
    const id = newSnapshotId();
    await tamperedCopy(location(), manifest, id, { objects: { orders: (body) => randomBytes(body.length) } });
    await refusal({ snapshotId: id, transaction: 'per-table' }, 'snapshot', /refused: .*orders\.records\.gz is not a valid gzip object: incorrect header check; nothing was changed$/);
  });

  it('an object cut short or replaced by another size', async () => {
    const id = newSnapshotId();
    await tamperedCopy(location(), manifest, id, { objects: { orders: (body) => body.subarray(0, body.length - 100) } });
    const orders = manifest.tables.find((t) => t.table === 'orders')!;
    await refusal({ snapshotId: id }, 'snapshot', new RegExp(`object .*orders\\.records\\.gz has ${orders.compressedBytes - 100} bytes, the manifest says ${orders.compressedBytes}`));
  });

  it('a manifest whose row count, checksum or key was edited, or that is not JSON', async () => {
    const rows = newSnapshotId();
    await tamperedCopy(location(), manifest, rows, { manifest: (m) => editTable(m, 'customers', (t) => ({ ...t, rowCount: t.rowCount + 1 })) });
    await refusal({ snapshotId: rows }, 'snapshot', /customers\.records\.gz holds 200 rows, its manifest says 201/);

    const checksum = newSnapshotId();
    await tamperedCopy(location(), manifest, checksum, { manifest: (m) => editTable(m, 'orders', (t) => ({ ...t, checksum: 'f'.repeat(64) })) });
    await refusal({ snapshotId: checksum, transaction: 'single' }, 'snapshot', /orders\.records\.gz has SHA-256 [0-9a-f]{64}, its manifest says f{64}/);

    const key = newSnapshotId();
    const customersKey = manifest.tables.find((t) => t.table === 'customers')!.key;
    await tamperedCopy(location(), manifest, key, { manifest: (m) => editTable(m, 'orders', (t) => ({ ...t, key: customersKey })) });
    await refusal({ snapshotId: key }, 'snapshot', /table "public"."orders": its key ".*customers\.records\.gz" is not the snapshot's/);

    const garbage = newSnapshotId();
    await tamperedCopy(location(), manifest, garbage, {});
    await store.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: manifestKey(location(), garbage), Body: '{"formatVersion": 3, "snapshotId": ' }));
    await refusal({ snapshotId: garbage }, 'snapshot', /Invalid snapshot manifest .*: not JSON/);
  });

  it('a manifest whose line format was edited: dropped, changed, or changed with the objects renamed to match', async () => {
    expect(manifest).toMatchObject({ formatVersion: 3, lineFormat: 'record' });
    const dropped = newSnapshotId();
    await tamperedCopy(location(), manifest, dropped, { manifest: ({ lineFormat: _, ...m }) => m });
    await refusal({ snapshotId: dropped }, 'snapshot', /Invalid snapshot manifest .*: lineFormat is required from formatVersion 3 and absent before/);

    // JSON lines named, record objects under the record keys: the keys are not the ones JSON lines have.
    const changed = newSnapshotId();
    await tamperedCopy(location(), manifest, changed, { manifest: (m) => ({ ...m, lineFormat: 'json' }) });
    await refusal({ snapshotId: changed }, 'snapshot', /table "public"."customers": its key ".*customers\.records\.gz" is not the snapshot's \(".*customers\.jsonl\.gz"\)/);
    const older = newSnapshotId();
    await tamperedCopy(location(), manifest, older, { manifest: ({ lineFormat: _, ...m }) => ({ ...m, formatVersion: 2 }) });
    await refusal({ snapshotId: older }, 'snapshot', /its key ".*orders\.records\.gz" is not the snapshot's \(".*orders\.jsonl\.gz"\)/);

    // The record objects renamed as JSON lines (sizes, checksums and line counts all match): their lines are not JSON.
    const renamed = newSnapshotId();
    await tamperedCopy(location(), { ...manifest, lineFormat: 'json' }, renamed, {});
    const error = await refusal({ snapshotId: renamed }, 'load', /loading table "public"."customers": .*invalid input syntax for type json/);
    expect(error.message).toMatch(/everything was rolled back; the database is as it was$/);

    // And JSON lines renamed as record lines: they are not record text.
    const json = (await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: '0002', paging: { lineFormat: 'json' } })).manifest;
    expect(json).toMatchObject({ formatVersion: 3, lineFormat: 'json' });
    const relabelled = newSnapshotId();
    await tamperedCopy(location(), { ...json, lineFormat: 'record' }, relabelled, {});
    const recordError = await refusal({ snapshotId: relabelled }, 'load', /loading table "public"."customers": .*malformed record literal/);
    expect(recordError.message).toMatch(/everything was rolled back; the database is as it was$/);
  });

  it('a snapshot of another schema version', async () => {
    await refusal(
      { snapshotId: manifest.snapshotId, currentSchemaVersion: '0003' },
      'database',
      /taken at schema version 0002, the database is at 0003: bring the database to version 0002 first/,
    );
  });

  it('a database that cannot take it: a column gone, a table outside the snapshot referencing one of its tables', async () => {
    await store.db.sql(`CREATE TABLE invoices (id int PRIMARY KEY, customer int REFERENCES customers); ALTER TABLE orders RENAME COLUMN note TO remark`);
    try {
      await refusal(
        { snapshotId: manifest.snapshotId },
        'database',
        /cannot take it: table "public"."orders" has no column "note"; table "public"."invoices" is not in the snapshot but references "public"."customers" \(foreign key "invoices_customer_fkey"\)/,
      );
    } finally {
      await store.db.sql(`DROP TABLE invoices; ALTER TABLE orders RENAME COLUMN remark TO note`);
    }
  });

  it('rows that do not read back the same: the verification fails and everything is rolled back', async () => {
    const json = (await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: '0002', paging: { lineFormat: 'json' } })).manifest;
    await store.db.sql(`ALTER TABLE customers ALTER COLUMN balance TYPE numeric(12,0)`);
    await copyTables(store.db, tables, 'state');
    try {
      // Record lines: the first line whose row renders differently is named by number, not shown.
      const error = await refusal(
        { snapshotId: manifest.snapshotId },
        'verification',
        /table "public"."customers" does not hold the snapshot's rows: the row stored for line \d+ of the object does not render back to that line \(/,
      );
      expect(error.message).toMatch(/everything was rolled back/);
      expect(error.message).not.toMatch(/1\.25|customer 1\b/);
      // JSON lines: the digests of the rows inserted and of the lines differ.
      const jsonError = await refusal(
        { snapshotId: json.snapshotId },
        'verification',
        /table "public"."customers" does not hold the snapshot's rows: the 201 rows inserted have digest \(-?\d+, -?\d+\), the 201 lines of the snapshot/,
      );
      expect(jsonError.message).toMatch(/everything was rolled back/);
    } finally {
      await store.db.sql(`ALTER TABLE customers ALTER COLUMN balance TYPE numeric(12,2)`);
      await copyTables(store.db, tables, 'state');
    }
  });

  it('a batch whose text the service changed on its way (still valid rows): refused by its SHA-256, nothing stored, everything rolled back', async () => {
    const local = await openLocalDataApiDriver(store.db);
    try {
      let changed = 0;
      // The local Data API's fault seam hands over the parsed request it is about to run: one value altered.
      local.api.faults = ({ operation, request }) => {
        const parameters = (request as { parameters?: { name: string; value: { stringValue?: string } }[] }).parameters ?? [];
        const rows = parameters.find((p) => p.name === 'rows');
        if (operation === 'ExecuteStatement' && rows?.value.stringValue?.includes('"customer 1"')) {
          rows.value.stringValue = rows.value.stringValue.replace('"customer 1"', '"customer X"');
          changed += 1;
        }
        return undefined;
      };
      await refusal(
        { snapshotId: manifest.snapshotId, driver: local.driver },
        'verification',
        /table "public"."customers" does not hold the snapshot's rows: the text PostgreSQL received for lines 1 to 200 of the object is not the text sent \(its SHA-256 differs\): nothing was stored/,
      );
      expect(changed).toBe(1);
    } finally {
      await local.close();
    }
  });
});
