/**
 * A restore's dry run (`planRestore`, the function's `{"action":"restore","dryRun":true}`): what a restore
 * would do, in load order, with nothing changed; and the same refusals as the restore.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { RestoreError } from '../../lambda/snapshot/restore/restore-error';
import { planRestore } from '../../lambda/snapshot/restore/restore-plan';
import { restoreSnapshot } from '../../lambda/snapshot/restore/restore-snapshot';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { createTestDatabase } from '../support/database';
import { useSnapshotStore } from '../support/snapshot-store';
import { withStoreHandler } from './support/store-handler';

const BUCKET = 'restore-plan';
const store = useSnapshotStore({
  database: 'restore_plan',
  bucket: BUCKET,
  sql: `
    CREATE TABLE orders (id serial PRIMARY KEY, customer int NOT NULL, total numeric(12,2));
    CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, best_order int);
    ALTER TABLE orders ADD CONSTRAINT orders_customer FOREIGN KEY (customer) REFERENCES customers;
    CREATE TABLE notes (id int PRIMARY KEY, order_id int REFERENCES orders, body text);
    CREATE TABLE a (id int PRIMARY KEY, b_id int);
    CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a);
    ALTER TABLE a ADD CONSTRAINT a_b FOREIGN KEY (b_id) REFERENCES b;
    CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
    CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
    INSERT INTO customers (name) SELECT 'c' || g FROM generate_series(1, 50) AS g;
    INSERT INTO orders (customer, total) SELECT 1 + g % 50, g FROM generate_series(1, 400) AS g;
    INSERT INTO notes SELECT g, g, 'note ' || g FROM generate_series(1, 30) AS g;
    INSERT INTO a VALUES (1, NULL); INSERT INTO b VALUES (1, 1); UPDATE a SET b_id = 1;
    ANALYZE;`,
});

let snapshotId: string;

/** Row counts and contents of every table, and the schemas, to compare before and after a dry run. */
async function state(): Promise<string> {
  const { rows } = await store.db.sql(`
    SELECT (SELECT count(*) FROM customers) || '/' || (SELECT count(*) FROM orders) || '/' || (SELECT count(*) FROM notes) || '/' ||
           (SELECT coalesce(sum(hashtext(o::text)), 0) FROM orders o) || '/' || (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace) || '/' ||
           (SELECT count(*) FROM pg_trigger WHERE tgname = 'orders_touch' AND tgenabled = 'O') AS s`);
  return rows[0].s as string;
}

beforeAll(async () => {
  snapshotId = (await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: '0003' })).snapshotId;
  await store.db.sql(`INSERT INTO customers (name) SELECT 'new' || g FROM generate_series(1, 10) AS g; DELETE FROM notes WHERE id > 20; ANALYZE`);
});

describe('planRestore', () => {
  it('says what a restore in place would do, in load order, and changes nothing', async () => {
    const before = await state();
    const plan = await planRestore({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId, currentSchemaVersion: '0003' });
    expect(await state()).toBe(before);
    expect(plan).toMatchObject({ snapshotId, database: store.db.name, sourceDatabase: store.db.name, schemaVersion: '0003', transaction: 'single', totalRows: 482, skipped: [] });
    const names = plan.tables.map((t) => t.table);
    expect(names.indexOf('customers')).toBeLessThan(names.indexOf('orders'));
    expect(names.indexOf('orders')).toBeLessThan(names.indexOf('notes'));
    expect(plan.tables.find((t) => t.table === 'customers')).toMatchObject({ rows: 50, rowsNow: 60, triggersDisabled: [] });
    expect(plan.tables.find((t) => t.table === 'notes')).toMatchObject({ rows: 30, rowsNow: 20 });
    expect(plan.tables.find((t) => t.table === 'orders')).toMatchObject({ rows: 400, triggersDisabled: ['orders_touch'] });
    expect(plan.tables.find((t) => t.table === 'a')!.cycle?.sort()).toEqual(['public.a.a_b', 'public.b.b_a_id_fkey']);
    expect(plan.sequences.sort()).toEqual(['public.customers_id_seq', 'public.orders_id_seq']);
    expect(plan.totalBytes).toBe(plan.tables.reduce((sum, t) => sum + t.bytes, 0));
    expect(plan.snapshotDurationMs).toBeGreaterThan(0);
    // The restore it plans runs in that order.
    const report = await restoreSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId, confirm: snapshotId, currentSchemaVersion: '0003' });
    expect(report.tables.map((t) => t.table)).toEqual(names);
    expect(report.totalRows).toBe(plan.totalRows);
  });

  it('plans a copy into a new schema from the manifest, without creating it', async () => {
    const before = await state();
    const plan = await planRestore({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId, targetSchema: 'inspect' });
    expect(await state()).toBe(before);
    expect(plan.schema).toBe('inspect');
    expect(plan.tables.every((t) => t.schema === 'inspect' && t.rowsNow === undefined && t.triggersDisabled.length === 0 && t.cycle === undefined)).toBe(true);
    expect(plan.sequences).toEqual([]);
  });

  it('refuses as the restore would: another schema version, a table missing, an object changed, an existing schema', async () => {
    const refusal = (options: Partial<Parameters<typeof planRestore>[0]>) =>
      planRestore({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId, ...options }).then(() => undefined, (e: unknown) => e as RestoreError);
    const version = await refusal({ currentSchemaVersion: '0004' });
    expect(version).toMatchObject({ kind: 'database', databaseChanged: false });
    expect(version!.message).toMatch(/refused: the snapshot was taken at schema version 0003, the database is at 0004: .*; nothing was changed$/);

    await store.db.sql('ALTER TABLE notes RENAME TO notes_old');
    try {
      const missing = await refusal({});
      expect(missing).toMatchObject({ kind: 'database' });
      expect(missing!.message).toMatch(/cannot take it: .*"public"\."notes".*; nothing was changed$/);
    } finally {
      await store.db.sql('ALTER TABLE notes_old RENAME TO notes');
    }
    await store.db.sql('CREATE SCHEMA taken');
    try {
      expect((await refusal({ targetSchema: 'taken' }))!.message).toMatch(/schema "taken" already exists/);
    } finally {
      await store.db.sql('DROP SCHEMA taken');
    }

    const tampered = await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, prefix: 'tampered/', schemaVersion: '0003' });
    const notes = tampered.manifest.tables.find((t) => t.table === 'notes')!;
    await store.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: notes.key, Body: Buffer.from('not the object') }));
    const changed = await refusal({ prefix: 'tampered/', snapshotId: tampered.snapshotId });
    expect(changed).toMatchObject({ kind: 'snapshot' });
    expect(changed!.message).toMatch(/does not match its manifest/);
  });
});

describe('the function', () => {
  it('answers {"action":"restore","dryRun":true} with the plan, no confirmation needed, and changes nothing', async () => {
    await withStoreHandler(store, {}, async (handler) => {
      const { rows: counted } = await store.db.sql('SELECT count(*)::int AS n FROM notes');
      const taken = (await handler({ action: 'snapshot' })) as { snapshot: { snapshotId: string } };
      const id = taken.snapshot.snapshotId;
      await store.db.sql('DELETE FROM notes WHERE id > 5');
      const before = await state();
      const answer = (await handler({ action: 'restore', snapshotId: id, dryRun: true })) as { dryRun: boolean; plan: { tables: Array<{ table: string; rows: number }> } };
      expect(answer).toMatchObject({ action: 'restore', dryRun: true, plan: { snapshotId: id, schemaVersion: null, transaction: 'single' } });
      expect(answer.plan.tables.find((t) => t.table === 'notes')!.rows).toBe(counted[0].n);
      expect(await state()).toBe(before);
      // Into another database: the snapshot has no schema version, so no migration runs there first, and that
      // database, empty, cannot take its tables: refused as the restore would be, naming it.
      const copy = await createTestDatabase('restore_plan_copy');
      try {
        await expect(handler({ action: 'restore', snapshotId: id, dryRun: true, targetDatabase: copy.name })).rejects.toThrow(
          new RegExp(`^Restore of snapshot ${id} refused: database "${copy.name}" cannot take it: .*; nothing was changed$`),
        );
        expect((await copy.sql(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rds_migrate'`)).rows[0].n).toBe(0);
      } finally {
        await copy.drop();
      }
      await expect(handler({ action: 'restore', snapshotId: id })).rejects.toThrow(/confirm: is required: repeat the snapshot id .* \(or give "dryRun": true/);
    });
  });
});
