/**
 * A restore into a new schema of the same database, for inspection (`targetSchema`): the snapshot's tables
 * recreated there from the manifest and loaded, row for row the snapshot's, while the live tables keep
 * their current rows; refused (nothing created) for a schema that exists, a reserved name, or tables of
 * the same name in two schemas; a failure while loading drops what it created.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { RestoreError } from '../../lambda/snapshot/restore/restore-error';
import { restoreSnapshot } from '../../lambda/snapshot/restore/restore-snapshot';
import { takeSnapshot, type SnapshotResult } from '../../lambda/snapshot/take-snapshot';
import { useSnapshotStore } from '../support/snapshot-store';
import { withFault } from './support/fault';

const BUCKET = 'into-schema';
const store = useSnapshotStore({ database: 'restore_into_schema', bucket: BUCKET });
let snapshot: SnapshotResult;

/** The rows of `table` as sorted text, every column (generated ones left out by the caller's list). */
async function rowsOf(table: string, columns: string): Promise<string[]> {
  const { rows } = await store.db.sql(`SELECT (${columns})::text AS r FROM ${table} ORDER BY 1`);
  return rows.map((r) => r.r as string);
}

async function schemaOf(name: string): Promise<string[]> {
  const { rows } = await store.db.sql(
    `SELECT c.relname || ':' || c.relkind::text AS r FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1`,
    [name],
  );
  return rows.map((r) => r.r as string);
}

beforeAll(async () => {
  await store.db.sql(`
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN positive AS numeric(10, 2) CHECK (VALUE > 0);
    CREATE TABLE customer (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, mood mood, credit positive,
      tags text[], doc jsonb, seen timestamptz, blob bytea, name_length int GENERATED ALWAYS AS (length(name)) STORED);
    INSERT INTO customer (name, mood, credit, tags, doc, seen, blob)
      SELECT 'customer ' || g, (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood, g * 1.25, ARRAY['t' || g % 4, NULL],
             jsonb_build_object('g', g), TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * interval '1 hour', decode(md5(g::text), 'hex')
        FROM generate_series(1, 300) AS g;
    CREATE TABLE invoice (id int PRIMARY KEY, customer bigint NOT NULL REFERENCES customer, amount numeric(12, 2), note text);
    INSERT INTO invoice SELECT g, 1 + g % 300, g / 3.0, CASE WHEN g % 7 = 0 THEN NULL ELSE E'line one\\nline "two"' END FROM generate_series(1, 900) AS g;
    CREATE TABLE events (at date NOT NULL, what text) PARTITION BY RANGE (at);
    CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    INSERT INTO events SELECT DATE '2024-06-01' + g, 'event ' || g FROM generate_series(1, 400) AS g;`);
  snapshot = await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: null });
});

const restoreInto = (targetSchema: string, extra: Partial<Parameters<typeof restoreSnapshot>[0]> = {}) =>
  restoreSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, targetSchema, ...extra });

describe('restoreSnapshot into a new schema', () => {
  it("loads the snapshot's rows into new tables of that schema and leaves the live tables as they are", async () => {
    const customerColumns = 'id, name, mood, credit, tags, doc, seen, blob';
    const [customers, invoices, events] = await Promise.all([
      rowsOf('public.customer', customerColumns), rowsOf('public.invoice', 'invoice.*'), rowsOf('public.events', 'events.*'),
    ]);
    // The live tables change after the snapshot.
    await store.db.sql(`UPDATE invoice SET amount = 0; DELETE FROM events WHERE at < '2024-07-01'; INSERT INTO customer (name) VALUES ('new')`);
    const liveInvoices = await rowsOf('public.invoice', 'invoice.*');

    const report = await restoreInto('inspect');

    expect(report.tables.map((t) => `${t.schema}.${t.table}`).sort()).toEqual(['inspect.customer', 'inspect.events', 'inspect.invoice']);
    expect(report.totalRows).toBe(1600);
    expect(report.sequences).toEqual([]);
    expect(await rowsOf('inspect.customer', customerColumns)).toEqual(customers);
    expect(await rowsOf('inspect.invoice', 'invoice.*')).toEqual(invoices);
    expect(await rowsOf('inspect.events', 'events.*')).toEqual(events);
    // The snapshot's columns and types, typmods and user types included; no generated column, the key as primary key.
    const { rows: columns } = await store.db.sql(
      `SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum) AS c
         FROM pg_attribute a WHERE a.attrelid = 'inspect.customer'::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    );
    expect(columns[0].c).toBe('id bigint, name text, mood mood, credit positive, tags text[], doc jsonb, seen timestamp with time zone, blob bytea');
    expect(await schemaOf('inspect')).toEqual(['customer:r', 'customer_pkey:i', 'events:r', 'invoice:r', 'invoice_pkey:i']);
    // The live tables keep their current rows.
    expect(await rowsOf('public.invoice', 'invoice.*')).toEqual(liveInvoices);
    const { rows: live } = await store.db.sql(`SELECT (SELECT count(*) FROM public.customer)::int AS customers, (SELECT count(*) FROM public.events)::int AS events`);
    expect(live[0]).toEqual({ customers: 301, events: 371 });
  });

  it('refuses a schema that exists, and a name PostgreSQL reserves, creating nothing', async () => {
    await store.db.sql(`CREATE SCHEMA taken; CREATE TABLE taken.customer (id int)`);
    const refusal = await restoreInto('taken').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RestoreError);
    expect(refusal).toMatchObject({ kind: 'database', databaseChanged: false });
    expect((refusal as Error).message).toMatch(/targetSchema: schema "taken" already exists .*nothing was changed/);
    expect(await schemaOf('taken')).toEqual(['customer:r']);

    const reserved = await restoreInto('pg_inspect').catch((error: unknown) => error);
    expect((reserved as Error).message).toMatch(/targetSchema: "pg_inspect" starts with pg_/);
    expect(await schemaOf('pg_inspect')).toEqual([]);
  });

  it('refuses tables of the same name in two schemas', async () => {
    await store.db.sql(`CREATE SCHEMA audit; CREATE TABLE audit.invoice (id int PRIMARY KEY); INSERT INTO audit.invoice VALUES (1)`);
    const both = await takeSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, schemaVersion: null, schemas: ['public', 'audit'] });
    const refusal = await restoreSnapshot({ driver: store.db.driver(), s3: store.s3, bucket: BUCKET, snapshotId: both.snapshotId, confirm: both.snapshotId, targetSchema: 'inspect_both' })
      .catch((error: unknown) => error);
    expect(refusal).toMatchObject({ kind: 'database', databaseChanged: false });
    expect((refusal as Error).message).toMatch(/tables of the same name in different schemas \("audit"."invoice" and "public"."invoice"|"public"."invoice" and "audit"."invoice"\)/);
    expect(await schemaOf('inspect_both')).toEqual([]);
  });

  it('drops the schema it created when loading fails', async () => {
    const driver = withFault(store.db.driver());
    const failed = await restoreSnapshot({
      driver, s3: store.s3, bucket: BUCKET, snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, targetSchema: 'inspect_failed', batchBytes: 4096,
      transientRetry: { retries: 0 },
      onProgress: () => {
        driver.armed = true;
      },
    }).catch((error: unknown) => error);
    expect(driver.fired).toBe(true);
    expect(failed).toBeInstanceOf(RestoreError);
    expect(failed).toMatchObject({ kind: 'load', databaseChanged: false });
    expect((failed as Error).message).toMatch(/everything was rolled back; the database is as it was; the schema "inspect_failed" created for it was dropped$/);
    expect(await schemaOf('inspect_failed')).toEqual([]);
  });
});
