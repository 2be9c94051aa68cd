/**
 * Restore round trips on real PostgreSQL: snapshot the fixture (every column type, keyless and
 * partitioned tables, inheritance, generated and identity columns, rows far larger than a Data API
 * request), wipe and change the data, restore, and compare every table with a copy taken before,
 * row by row and column by column; sequences back at their snapshot values. Over the pg driver and over
 * the Data API (with small batches, so rows larger than a batch are assembled in the database).
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import type { Driver } from '../../lambda/driver/driver';
import { silentLog } from '../../lambda/observability/log';
import { restoreSnapshot } from '../../lambda/snapshot/restore/restore-snapshot';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { useSnapshotStore } from '../support/snapshot-store';
import { FIXTURE_SQL, PUBLIC_TABLES } from './support/fixture';
import { copyTables, diffWithCopy, tablesOf, type ComparedTable } from './support/table-copies';

const BUCKET = 'restores';
const store = useSnapshotStore({ database: 'restore', bucket: BUCKET, sql: FIXTURE_SQL });
let api: LocalDataApi;
let client: RDSDataClient;
let dataApi: DataApiDriver;
let tables: ComparedTable[];

/** Changes rows of most tables, removes others, adds some: what a bad migration might do. */
const WIPE_SQL = `
  TRUNCATE everything, no_columns;
  UPDATE everything_jsonb SET amount = 0, ratio = 0, at_zone = now(), blob = NULL, ints = '{}', range = 'empty' WHERE id % 2 = 0;
  DELETE FROM everything_jsonb WHERE id % 7 = 0;
  UPDATE composite_key SET note = 'changed' WHERE seq % 3 = 0;
  DELETE FROM big_text WHERE id = 2;
  INSERT INTO big_text (body) VALUES ('added after the snapshot');
  DELETE FROM events WHERE id < 100;
  INSERT INTO events VALUES (5000, '2024-05-05', 'new');
  INSERT INTO no_key VALUES ('extra', 1);
  DELETE FROM no_key WHERE qty = 3;
  INSERT INTO identity_only DEFAULT VALUES;
  INSERT INTO dog VALUES ('new dog', true);
  DELETE FROM animal;
  UPDATE odd_keys SET note = 'x';
  UPDATE "Odd.Name/../x" SET "select" = NULL;
  INSERT INTO empty_table VALUES (1);
  DELETE FROM readings WHERE sensor = 2;
  SELECT setval('big_text_id_seq', 1000);
`;

async function sequenceValues(): Promise<Record<string, string>> {
  const { rows } = await store.db.sql(`SELECT 'big_text_id_seq' AS name, last_value::text || '/' || is_called AS v FROM big_text_id_seq
    UNION ALL SELECT 'identity_only_id_seq', last_value::text || '/' || is_called FROM identity_only_id_seq`);
  return Object.fromEntries(rows.map((r: { name: string; v: string }) => [r.name, r.v]));
}

async function expectRestored(copies: string): Promise<void> {
  for (const table of tables) {
    const before = await store.db.sql(`SELECT count(*)::int AS n FROM "${copies}"."${table.schema}__${table.table.replace(/"/g, '""')}"`);
    expect(await diffWithCopy(store.db, table, copies), `${table.schema}.${table.table}`).toEqual({ missing: 0, extra: 0, rows: before.rows[0].n });
  }
}

beforeAll(async () => {
  await store.db.sql(`
    -- A user trigger that would rewrite every restored row if it fired.
    CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.code := 'stamped'; RETURN NEW; END $$;
    CREATE TRIGGER everything_stamp BEFORE INSERT OR UPDATE ON everything FOR EACH ROW EXECUTE FUNCTION stamp();
    -- The same values without the json column (and the generated one): restored through jsonb, whole rows rendered in RETURNING.
    CREATE TABLE everything_jsonb AS SELECT id, amount, big, ratio, small, tiny, flag, label, code, fixed, at_local, at_zone, day, clock, span,
      blob, docb, ints, words, feeling, uid, addr, net, spot, range FROM everything;
    ALTER TABLE everything_jsonb ADD PRIMARY KEY (id);`);
  api = await startLocalDataApi({ postgresUrl: store.db.url });
  client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  dataApi = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: store.db.name, client });
  tables = await tablesOf(store.db, ['public']);
  expect(tables.map((t) => `${t.schema}.${t.table}`)).toEqual([...PUBLIC_TABLES, 'public.everything_jsonb'].sort());
});
afterAll(async () => {
  await dataApi?.close();
  client?.destroy();
  await api?.close();
});

describe.each([
  ['pg', 'record', () => store.db.driver() as Driver, {}],
  ['pg', 'json', () => store.db.driver() as Driver, {}],
  // Batches of 64 KiB: many INSERTs per table, and the 0.2 to 0.8 MB rows of big_text assembled in the database.
  ['the Data API', 'record', () => dataApi as Driver, { batchBytes: 64 * 1024 }],
  ['the Data API', 'json', () => dataApi as Driver, { batchBytes: 64 * 1024 }],
] as const)('restoreSnapshot over %s, %s lines', (name, lineFormat, open, loadOptions) => {
  it('puts back every row of every table exactly, and the sequences, after the data was changed', async () => {
    const driver = open();
    const snapshot = await takeSnapshot({ driver, s3: store.s3, bucket: BUCKET, prefix: 'p/', schemaVersion: '0003', paging: { lineFormat } });
    expect(snapshot.manifest).toMatchObject({ formatVersion: 3, lineFormat });
    expect(snapshot.tables.every((t) => t.key.endsWith(lineFormat === 'record' ? '.records.gz' : '.jsonl.gz'))).toBe(true);
    const copies = `before_${name === 'pg' ? 'pg' : 'api'}_${lineFormat}`;
    await copyTables(store.db, tables, copies);
    const sequencesBefore = await sequenceValues();
    await store.db.sql(WIPE_SQL);
    expect(await diffWithCopy(store.db, tables.find((t) => t.table === 'everything')!, copies)).toMatchObject({ missing: 3000, extra: 0 });

    const loaded: Record<string, unknown>[] = [];
    const log = { ...silentLog, info: (message: string, extra?: Record<string, unknown>) => void (message === 'restore table loaded' && loaded.push(extra!)) };
    const report = await restoreSnapshot({
      driver, s3: store.s3, bucket: BUCKET, prefix: 'p/', snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, currentSchemaVersion: '0003', log, ...loadOptions,
    });
    // Record lines: read as the table's row type, or (generated columns) a temporary one of the snapshot's columns.
    // JSON lines: a table with a json column goes through json (its text kept), the others through jsonb; whole rows unless generated columns.
    expect(loaded.find((l) => l.table === 'everything')).toMatchObject({ through: lineFormat === 'record' ? 'record' : 'json', wholeRow: false });
    expect(loaded.find((l) => l.table === 'everything_jsonb')).toMatchObject({ through: lineFormat === 'record' ? 'record' : 'jsonb', wholeRow: true });
    if (lineFormat === 'record') {
      // Rows rendered back where a column's type may not read its text back exactly (point, a range, a
      // composite...); not where every type does: big_text's rows (some assembled in the database), odd_keys'.
      expect(loaded.filter((l) => l.rowsRendered).map((l) => l.table).sort()).toEqual(['everything', 'everything_jsonb']);
      expect(loaded.find((l) => l.table === 'big_text')).toMatchObject({ rowsRendered: false });
    }

    await expectRestored(copies);
    expect(await sequenceValues()).toEqual(sequencesBefore);
    const next = await store.db.sql(`SELECT nextval('big_text_id_seq')::int AS n`);
    expect(next.rows[0].n).toBe(41);
    // The trigger did not fire on the restored rows, and is enabled again.
    const stamped = await store.db.sql(`SELECT count(*)::int AS n FROM everything WHERE code = 'stamped'`);
    expect(stamped.rows[0].n).toBe(0);
    const trigger = await store.db.sql(`SELECT tgenabled FROM pg_trigger WHERE tgname = 'everything_stamp'`);
    expect(trigger.rows[0].tgenabled).toBe('O');

    expect(report).toMatchObject({ snapshotId: snapshot.snapshotId, database: store.db.name, sourceDatabase: store.db.name, schemaVersion: '0003', transaction: 'single', skipped: [] });
    expect(report.tables.map((t) => `${t.schema}.${t.table}`).sort()).toEqual([...PUBLIC_TABLES, 'public.everything_jsonb'].sort());
    expect(report.tables.every((t) => t.verified)).toBe(true);
    expect(report.totalRows).toBe(snapshot.totalRows);
    expect(report.sequences.map((s) => s.name).sort()).toEqual(['big_text_id_seq', 'identity_only_id_seq']);
    const bigText = report.tables.find((t) => t.table === 'big_text')!;
    expect(bigText.rows).toBe(40);
    if (name !== 'pg') expect(bigText.batches).toBeGreaterThan(4);

    // The same snapshot as a copy in a new schema (targetSchema): every table's exported columns, as text, equal the rows just restored.
    const inspect = `inspect_${name === 'pg' ? 'pg' : 'api'}_${lineFormat}`;
    const copy = await restoreSnapshot({ driver, s3: store.s3, bucket: BUCKET, prefix: 'p/', snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, targetSchema: inspect, ...loadOptions });
    expect(copy.totalRows).toBe(snapshot.totalRows);
    expect(copy.tables.every((t) => t.schema === inspect && t.verified)).toBe(true);
    for (const table of snapshot.manifest.tables) {
      const text = table.columns.map((c) => `x."${c.name.replace(/"/g, '""')}"::text`).join(', ') || `''`;
      const relation = (schema: string, only: boolean) => `${only ? 'ONLY ' : ''}"${schema}"."${table.table.replace(/"/g, '""')}" AS x`;
      const { rows } = await store.db.sql(
        `SELECT (SELECT count(*) FROM (SELECT ${text} FROM ${relation(table.schema, table.kind === 'table')} EXCEPT ALL SELECT ${text} FROM ${relation(inspect, true)}) d)::int AS missing,
                (SELECT count(*) FROM (SELECT ${text} FROM ${relation(inspect, true)} EXCEPT ALL SELECT ${text} FROM ${relation(table.schema, table.kind === 'table')}) d)::int AS extra,
                (SELECT count(*) FROM ${relation(inspect, true)})::int AS rows`,
      );
      expect(rows[0], `${inspect}.${table.table}`).toEqual({ missing: 0, extra: 0, rows: table.rowCount });
    }
    await store.db.sql(`DROP SCHEMA "${inspect}" CASCADE`);
    await store.db.sql(`DROP SCHEMA "${copies}" CASCADE; SELECT setval('big_text_id_seq', 40)`);
  });
});

it('restores in per-table transactions, verifying every object first', async () => {
  const driver = store.db.driver();
  const snapshot = await takeSnapshot({ driver, s3: store.s3, bucket: BUCKET, prefix: 'per-table/', schemaVersion: null });
  await copyTables(store.db, tables, 'before_per_table');
  await store.db.sql(WIPE_SQL);
  const report = await restoreSnapshot({
    driver, s3: store.s3, bucket: BUCKET, prefix: 'per-table/', snapshotId: snapshot.snapshotId, confirm: snapshot.snapshotId, transaction: 'per-table',
  });
  expect(report.transaction).toBe('per-table');
  await expectRestored('before_per_table');
  await store.db.sql(`DROP SCHEMA before_per_table CASCADE`);
});
