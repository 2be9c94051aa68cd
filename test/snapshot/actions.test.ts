/**
 * The snapshot steps of the actions on real PostgreSQL and a local S3: the snapshot before migrating
 * with scope `affected`, `none`, a budget it does not fit (the migration refused), an S3 failure in the
 * middle of an upload (no usable snapshot, the migration blocked), retention, list-snapshots, and
 * restore in place and into another database, and its dry run there.
 */
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionContext, SnapshotTarget } from '../../lambda/actions/action-context';
import { runListSnapshots } from '../../lambda/actions/list-snapshots-action';
import { runMigrate } from '../../lambda/actions/migrate-action';
import { runRestore } from '../../lambda/actions/restore-action';
import { runRestorePlan } from '../../lambda/actions/restore-plan-action';
import { runSnapshot } from '../../lambda/actions/snapshot-action';
import { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { status } from '../../lambda/engine/commands/status';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { silentLog, type Log } from '../../lambda/observability/log';
import { SnapshotBudgetError } from '../../lambda/snapshot/budget/snapshot-budget';
import { tableObjectKey } from '../../lambda/snapshot/keys';
import { listSnapshots } from '../../lambda/snapshot/list-snapshots';
import { readManifest } from '../../lambda/snapshot/manifest-store';
import { RestoreError } from '../../lambda/snapshot/restore/restore-error';
import { recordTouches } from '../../lambda/migrations/record-touches';
import { SnapshotError } from '../../lambda/snapshot/snapshot-error';
import { startLocalS3 } from '../../local/s3/local-s3';
import { createTestDatabase, urlFor, type TestDatabase } from '../support/database';
import { useSnapshotStore } from '../support/snapshot-store';
import { bundled, bundleOf } from './support/bundle';

const BUCKET = 'actions';
const store = useSnapshotStore({ database: 'snapshot_actions', bucket: BUCKET });
let bundle: MigrationBundle;

const SCHEMA = [
  'CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL)',
  'CREATE TABLE orders (id serial PRIMARY KEY, customer int NOT NULL REFERENCES customers, total numeric(12,2))',
  'CREATE TABLE audit_log (id bigserial PRIMARY KEY, what text)',
  'CREATE TABLE wide (id int PRIMARY KEY, h text)',
];

function context(snapshots: Partial<SnapshotTarget> | null, overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    driver: store.db.driver(), bundle, schemas: ['public'], appliedBy: 'test', log: silentLog,
    ...(snapshots ? { snapshots: { s3: store.s3, bucket: BUCKET, prefix: 'a/', ...snapshots } } : {}),
    ...overrides,
  };
}

const applied = async () => (await status(store.db.driver(), bundle)).current;

beforeAll(async () => {
  bundle = await recordTouches(bundleOf([
    bundled('0001', 'schema', SCHEMA),
    bundled('0002', 'order_notes', ['ALTER TABLE orders ADD COLUMN note text']),
    bundled('0003', 'audit_kind', ['ALTER TABLE audit_log ADD COLUMN kind text', "UPDATE audit_log SET kind = 'old'"]),
    bundled('0004', 'wide_flag', ['ALTER TABLE wide ADD COLUMN flag boolean']),
  ]));
  // The schema comes from migration 0001 (no snapshot: scope none); then rows.
  const first = await runMigrate(context({ scope: 'none' }), { targetVersion: '0001' });
  expect(first.snapshotSkipped).toBe('the snapshot scope is none (RDS_MIGRATE_SNAPSHOT_SCOPE)');
  await store.db.sql(`
    INSERT INTO customers (name) SELECT 'c' || g FROM generate_series(1, 100) AS g;
    INSERT INTO orders (customer, total) SELECT 1 + g % 100, g FROM generate_series(1, 1000) AS g;
    INSERT INTO audit_log (what) SELECT 'event ' || g FROM generate_series(1, 500) AS g;
    -- About 15 MB of JSON that gzip cannot shrink below 5 MiB: its upload goes multipart.
    INSERT INTO wide SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) || md5(random()::text)
      FROM generate_series(1, 100000) AS g;`);
});

describe('the snapshot before migrating', () => {
  it('with scope affected exports the tables the pending migrations touch and their neighbours only', async () => {
    const report = await runMigrate(context({ scope: 'affected' }), { targetVersion: '0002' });
    expect(report.migrate.applied.map((m) => m.version)).toEqual(['0002']);
    expect(report.snapshot).toMatchObject({ scope: 'affected', schemaVersion: '0001' });
    expect(report.snapshot!.tables.map((t) => t.table)).toEqual(['public.customers', 'public.orders']);
    const manifest = await readManifest({ s3: store.s3, bucket: BUCKET, prefix: 'a/', database: store.db.name, snapshotId: report.snapshot!.snapshotId });
    expect(manifest).toMatchObject({ scope: 'affected', schemaVersion: '0001', appliedVersions: ['0001'] });
  });

  it('refuses the migration when the snapshot would not fit its budget, and says why', async () => {
    const before = await listSnapshots({ s3: store.s3, bucket: BUCKET, prefix: 'a/', database: store.db.name });
    const error = await runMigrate(context({ budget: { maxBytes: 1024 * 1024, maxSeconds: 3600 } }), { targetVersion: '0003' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotBudgetError);
    expect((error as Error).message).toMatch(
      /^Snapshot refused: the snapshot before migrating \(scope full, schemas public\) is estimated at \d+(\.\d)? MB in 4 tables \(about \d+ rows, from pg_class\), and its size is over maxBytes 1\.0 MB\. Largest: "public"."wide" /,
    );
    expect((error as Error).message).toContain('Nothing was exported and nothing was migrated.');
    expect(await applied()).toBe('0002');
    expect(await listSnapshots({ s3: store.s3, bucket: BUCKET, prefix: 'a/', database: store.db.name })).toEqual(before);

    const slow = await runMigrate(context({ budget: { maxSeconds: 1, bytesPerSecond: 1024 * 1024 } }), { targetVersion: '0003' }).catch((e: unknown) => e);
    expect((slow as Error).message).toMatch(/its export would take about \d+ s at 1\.0 MB\/s, over maxSeconds 1 s/);
    expect(await applied()).toBe('0002');
  });

  it('an S3 failure in the middle of an upload leaves no usable snapshot and blocks the migration', async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-actions-s3-'));
    try {
      const failing = await startLocalS3({ directory });
      await failing.createBucket('failing');
      let stopped = false;
      // The export's own progress line for the large table, once its upload has parts in flight, stops S3.
      const log: Log = {
        ...silentLog,
        debug: (message, extra) => {
          if (!stopped && message === 'snapshot page' && extra?.table === 'wide' && Number(extra.page) >= 3) {
            stopped = true;
            void failing.close();
          }
        },
      };
      const ctx = context(null, { log, snapshots: { s3: failing.client(), bucket: 'failing', prefix: '', parallelism: 1 } });
      const error = await runMigrate(ctx, { targetVersion: '0003' }).catch((e: unknown) => e);
      expect(stopped).toBe(true);
      expect(error).toBeInstanceOf(SnapshotError);
      expect((error as Error).message).toMatch(/failed at table "public"."wide"/);
      expect(await applied()).toBe('0002');

      const again = await startLocalS3({ directory });
      try {
        const client = again.client();
        expect(await listSnapshots({ s3: client, bucket: 'failing', database: store.db.name })).toEqual([]);
        const snapshotId = (error as SnapshotError).snapshotId;
        await expect(readManifest({ s3: client, bucket: 'failing', database: store.db.name, snapshotId })).rejects.toThrow(/no manifest/);
      } finally {
        await again.close();
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('with scope none takes no snapshot and migrates', async () => {
    const report = await runMigrate(context({ scope: 'none' }), { targetVersion: '0003' });
    expect(report).toMatchObject({ snapshot: null, snapshotSkipped: 'the snapshot scope is none (RDS_MIGRATE_SNAPSHOT_SCOPE)' });
    expect(await applied()).toBe('0003');
  });
});

describe('retention and listing', () => {
  it('keeps the newest complete snapshots, deletes older ones and old incomplete ones, and lists them', async () => {
    const target = { prefix: 'kept/', keep: 2, parallelism: 1 };
    // An incomplete snapshot from long ago (no manifest) and one that may still be running.
    const location = { s3: store.s3, bucket: BUCKET, prefix: 'kept/', database: store.db.name };
    await store.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: tableObjectKey(location, '20200101T000000Z-00000001', { schema: 'public', table: 'x' }), Body: 'x' }));
    const running = `${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}-0000000f`;
    await store.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: tableObjectKey(location, running, { schema: 'public', table: 'x' }), Body: 'x' }));

    const ids: string[] = [];
    const pruned: string[][] = [];
    for (let i = 0; i < 3; i++) {
      const summary = await runSnapshot(context(target));
      ids.push(summary.snapshotId);
      pruned.push(summary.pruned ?? []);
    }
    expect(pruned).toEqual([['20200101T000000Z-00000001'], [], [ids[0]]]);
    expect((await listSnapshots(location)).map((s) => s.snapshotId)).toEqual([ids[2], ids[1]]);
    // The deleted snapshot's objects are gone; the young incomplete one is left alone.
    const keys = (await store.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'kept/' }))).Contents!.map((c) => c.Key!);
    expect(keys.filter((k) => k.includes(ids[0]!) || k.includes('20200101T000000Z'))).toEqual([]);
    expect(keys.filter((k) => k.includes(running))).toHaveLength(1);

    const listed = await runListSnapshots(context(target), { limit: 1 });
    expect(listed).toMatchObject({ action: 'list-snapshots', database: store.db.name, bucket: BUCKET, prefix: 'kept/', total: 2 });
    expect(listed.snapshots).toHaveLength(1);
    expect(listed.snapshots[0]).toMatchObject({ snapshotId: ids[2], schemaVersion: '0003', scope: 'full', tables: 4, totalRows: 101600 });
    expect(listed.snapshots[0]!.bytes).toBeGreaterThan(listed.snapshots[0]!.compressedBytes);
    await expect(runListSnapshots(context(target), { limit: 0 })).rejects.toThrow(/^limit: 0 must be a whole number from 1 to 1000/);
  });
});

describe('restore actions', () => {
  it('restores in place at the same schema version, and refuses another version or a wrong confirmation', async () => {
    const target = { prefix: 'restore/', parallelism: 2 };
    const snapshot = await runSnapshot(context(target));
    await store.db.sql(`DELETE FROM orders WHERE id > 10; UPDATE customers SET name = 'renamed'`);
    await expect(runRestore(context(target), { snapshotId: snapshot.snapshotId, confirm: 'nope' })).rejects.toMatchObject({ kind: 'confirmation' });

    const report = await runRestore(context(target), { snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId });
    expect(report).toMatchObject({ action: 'restore', database: store.db.name, sourceDatabase: store.db.name, restore: { schemaVersion: '0003', totalRows: 101600 } });
    const counts = await store.db.sql(`SELECT (SELECT count(*) FROM orders)::int AS orders, (SELECT count(*) FROM customers WHERE name = 'renamed')::int AS renamed`);
    expect(counts.rows[0]).toEqual({ orders: 1000, renamed: 0 });

    await runMigrate(context({ scope: 'none' }), { targetVersion: '0004' });
    const refused = await runRestore(context(target), { snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RestoreError);
    expect(refused).toMatchObject({ kind: 'database', databaseChanged: false });
    expect((refused as Error).message).toMatch(/taken at schema version 0003, the database is at 0004/);
  });

  it('restores a copy into a new schema of the database, next to the live tables, which keep their rows', async () => {
    const target = { prefix: 'schema-copy/' };
    const orders = async (schema: string) => (await store.db.sql(`SELECT md5(string_agg(o::text, ',' ORDER BY id)) AS h FROM ${schema}.orders o`)).rows[0].h as string;
    const snapshot = await runSnapshot(context(target));
    const before = await orders('public');
    await store.db.sql(`UPDATE orders SET total = total + 1 WHERE id % 2 = 0`);
    const live = await orders('public');
    expect(live).not.toBe(before);

    const report = await runRestore(context(target), { snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, targetSchema: 'inspect' });
    expect(report).toMatchObject({ action: 'restore', database: store.db.name, sourceDatabase: store.db.name, schema: 'inspect' });
    expect(report).not.toHaveProperty('migrated');
    expect(report.restore.tables.map((t) => `${t.schema}.${t.table}`).sort()).toEqual(['inspect.audit_log', 'inspect.customers', 'inspect.orders', 'inspect.wide']);
    expect(await orders('inspect')).toBe(before);
    expect(await orders('public')).toBe(live);
    await expect(
      runRestore(context(target), { snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, targetSchema: 'inspect_2', targetDatabase: 'other' }),
    ).rejects.toThrow(/^targetSchema: give targetDatabase or targetSchema, not both/);
    await store.db.sql('DROP SCHEMA inspect CASCADE');
  });

  /**
   * Takes a snapshot under `prefix` and runs `test` with a new empty database (`copy`, dropped after) and the
   * `openDatabase` that reaches it from an action's context.
   */
  async function withCopyDatabase(
    prefix: string,
    test: (snapshot: { snapshotId: string }, copy: TestDatabase, openDatabase: (name: string) => PgDriver) => Promise<void>,
  ): Promise<void> {
    const snapshot = await runSnapshot(context({ prefix }));
    const copy = await createTestDatabase('snapshot_actions_copy');
    try {
      await test(snapshot, copy, (name) => new PgDriver({ connectionString: urlFor(copy.url, name) }));
    } finally {
      await copy.drop();
    }
  }

  it('restores a copy into another database, its schema first brought to the snapshot version by the migrations', async () => {
    const target = { prefix: 'copy/' };
    await withCopyDatabase(target.prefix, async (snapshot, copy, openDatabase) => {
      const report = await runRestore(context(target, { openDatabase }), { snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, targetDatabase: copy.name });
      expect(report).toMatchObject({
        action: 'restore', database: copy.name, sourceDatabase: store.db.name, migrated: { applied: ['0001', '0002', '0003', '0004'], current: '0004' },
      });
      expect(report.restore.tables.map((t) => t.table).sort()).toEqual(['audit_log', 'customers', 'orders', 'wide']);
      const source = await store.db.sql(`SELECT md5(string_agg(o::text, ',' ORDER BY id)) AS h FROM orders o`);
      const restored = await copy.sql(`SELECT md5(string_agg(o::text, ',' ORDER BY id)) AS h FROM orders o`);
      expect(restored.rows[0].h).toBe(source.rows[0].h);
      const seq = await copy.sql(`SELECT last_value::int AS v FROM orders_id_seq`);
      expect(seq.rows[0].v).toBe(1000);
      await expect(
        runRestore(context(target), { snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, targetDatabase: copy.name }),
      ).rejects.toThrow(/^targetDatabase: restoring into another database is not available here/);
    });
  });

  it('plans a restore into another database without changing it: its migrations first, then the tables from the manifest; at the version already, checked as in place', async () => {
    const target = { prefix: 'copy-plan/' };
    await withCopyDatabase(target.prefix, async (snapshot, copy, openDatabase) => {
      const options = { snapshotId: snapshot.snapshotId, targetDatabase: copy.name };
      const empty = await runRestorePlan(context(target, { openDatabase }), options);
      expect(empty).toMatchObject({
        action: 'restore', dryRun: true,
        migrations: { current: null, target: '0004', pending: ['0001', '0002', '0003', '0004'], repeatables: [] },
        plan: { snapshotId: snapshot.snapshotId, database: copy.name, sourceDatabase: store.db.name, schemaVersion: '0004', totalRows: 101600, sequences: [] },
      });
      expect(empty.plan.tables.map((t) => t.table).sort()).toEqual(['audit_log', 'customers', 'orders', 'wide']);
      for (const table of empty.plan.tables) expect(table).not.toHaveProperty('rowsNow');
      // Nothing was created there: no table, no schema history.
      const created = await copy.sql(`SELECT count(*)::int AS n FROM pg_namespace n JOIN pg_class c ON c.relnamespace = n.oid WHERE n.nspname IN ('public', 'rds_migrate')`);
      expect(created.rows[0].n).toBe(0);

      await runRestore(context(target, { openDatabase }), { ...options, confirm: snapshot.snapshotId });
      const migrated = await runRestorePlan(context(target, { openDatabase }), options);
      expect(migrated.migrations).toEqual({ current: '0004', target: '0004', pending: [], repeatables: [] });
      expect(migrated.plan.tables.find((t) => t.table === 'orders')).toMatchObject({ rows: 1000 });
      expect(migrated.plan.tables.every((t) => t.rowsNow !== undefined)).toBe(true);
      expect(migrated.plan.sequences).toContain('public.orders_id_seq');
      const names = migrated.plan.tables.map((t) => t.table);
      expect(names.indexOf('customers')).toBeLessThan(names.indexOf('orders'));

      await copy.sql('ALTER TABLE wide RENAME TO wide_old');
      const refused = await runRestorePlan(context(target, { openDatabase }), options).then(() => undefined, (e: unknown) => e);
      expect(refused).toMatchObject({ kind: 'database', databaseChanged: false });
      expect((refused as Error).message).toMatch(/"public"\."wide".*; nothing was changed$/);
      await expect(runRestorePlan(context(target), options)).rejects.toThrow(/^targetDatabase: restoring into another database is not available here/);
      await expect(runRestorePlan(context(target), { ...options, targetSchema: 'inspect' })).rejects.toThrow(/^targetSchema: give targetDatabase or targetSchema, not both/);
    });
  });

  it('into another database, stops before loading when the time runs out while migrating it, and goes on from there when called again', async () => {
    const target = { prefix: 'copy-in-time/' };
    await withCopyDatabase(target.prefix, async (snapshot, copy, openDatabase) => {
      const options = { snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, targetDatabase: copy.name };
      const spent = { remainingTimeMs: () => 0, reserveMs: 0 };
      const error = await runRestore(context(target, { openDatabase }), { ...options, timeBudget: spent }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(RestoreError);
      expect(error).toMatchObject({ kind: 'time-budget', databaseChanged: true });
      expect((error as Error).message).toBe(
        `Restore of snapshot ${snapshot.snapshotId} into database "${copy.name}" stopped before loading: the invocation's time ran out while its migrations ` +
          `were applied up to the snapshot's version 0004 (it is at no version; next: 0001); invoke the same event again to go on from there. ` +
          `Database "${store.db.name}" was not touched`,
      );
      expect((await copy.sql(`SELECT to_regclass('public.orders') IS NULL AS absent`)).rows[0].absent).toBe(true);

      const report = await runRestore(context(target, { openDatabase }), options);
      expect(report).toMatchObject({ database: copy.name, migrated: { applied: ['0001', '0002', '0003', '0004'], current: '0004' } });
      const source = await store.db.sql(`SELECT md5(string_agg(o::text, ',' ORDER BY id)) AS h FROM orders o`);
      expect((await copy.sql(`SELECT md5(string_agg(o::text, ',' ORDER BY id)) AS h FROM orders o`)).rows[0].h).toBe(source.rows[0].h);
    });
  });
});
