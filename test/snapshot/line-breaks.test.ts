/**
 * Line breaks and the export's rendering.
 *
 * JSON lines: a table whose column types cannot render a raw line break (`mayRenderLineBreaks`) is exported
 * without the replacement pass, one whose types can (json, a domain, a composite, an array of json, a type
 * with a cast to json) with it. Either way every row is one line, equal to PostgreSQL's own `row_to_json`
 * with line breaks made spaces, and the restore verifies the rows back.
 *
 * Record lines: every value keeps its line breaks raw, inside the double quotes record_out puts around it, so
 * every row is one line (up to the first `\n` outside double quotes) equal to PostgreSQL's own
 * `ROW(...)::text`, and the restore puts back every value exactly: line breaks, quotes, backslashes and
 * control characters included.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readTargetCatalog } from '../../lambda/snapshot/restore/restore-catalog';
import { restoreSnapshot } from '../../lambda/snapshot/restore/restore-snapshot';
import { listSnapshotTables } from '../../lambda/snapshot/table-catalog';
import { takeSnapshot } from '../../lambda/snapshot/take-snapshot';
import { useSnapshotStore } from '../support/snapshot-store';
import { readTableObject } from './support/table-object';

const BUCKET = 'line-breaks';
const store = useSnapshotStore({ database: 'line_breaks', bucket: BUCKET });

/** Each table with whether its rendering (as JSON) may hold a raw line break; every value below holds line breaks (`hostile`: most). */
const TABLES: Record<string, boolean> = {
  plain: false,
  with_json: true,
  with_domain: true,
  with_composite: true,
  with_json_array: true,
  with_cast: true,
  hostile: false,
};

/** Text values that record text must quote or escape, or that look like its syntax; `hostile` holds each, and arrays of them. */
const HOSTILE: (string | null)[] = [
  'a\nb', '\r', '\r\n', '\n', '\n\n', '"', '\\', '""', '\\"', '"\n"', '\n"\n', '"\\\n', '\\\n', ',', '(', ')', '(,)', '(1,"a\nb")',
  '', ' ', null, 'NULL', '\\N', '{}', '{"a\nb"}', '\t\v\f', 'é€𝄞\u2028\u2029',
  // Every control character PostgreSQL text can hold: the restore then has no free byte to join the lines of a batch with.
  Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join(''),
  `"${'\n'.repeat(200)}"`,
];

const FIXTURE = `
  CREATE DOMAIN note_text AS text;
  CREATE TYPE pair AS (label text, doc json);
  CREATE TYPE mood AS ENUM ('calm', 'busy');
  CREATE FUNCTION mood_json(mood) RETURNS json LANGUAGE sql IMMUTABLE AS $$ SELECT format(E'{"mood":\\n"%s"\\r}', $1)::json $$;
  CREATE CAST (mood AS json) WITH FUNCTION mood_json(mood);
  CREATE TABLE plain (id int PRIMARY KEY, txt text, ta text[], j jsonb, b bytea, at timestamptz, n numeric, v varchar(20));
  INSERT INTO plain SELECT g, E'line\\nbreak\\r\\n' || g, ARRAY[E'a\\nb', E'c\\rd'], jsonb_build_object('k', E'x\\ny', 'n', g), '\\x0a0d'::bytea,
                           '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 hour', g / 3.0, E'v\\n' || g
    FROM generate_series(1, 50) AS g;
  CREATE TABLE with_json (id int PRIMARY KEY, j json);
  INSERT INTO with_json SELECT g, format(E'{\\n  "k": %s,\\r\\n  "s": "a\\\\nb"\\n}', g)::json FROM generate_series(1, 20) AS g;
  CREATE TABLE with_domain (id int PRIMARY KEY, d note_text);
  INSERT INTO with_domain SELECT g, E'd\\n' || g FROM generate_series(1, 20) AS g;
  CREATE TABLE with_composite (id int PRIMARY KEY, c pair);
  INSERT INTO with_composite SELECT g, ROW(E'l\\n' || g, E'[1,\\n2]')::pair FROM generate_series(1, 20) AS g;
  CREATE TABLE with_json_array (id int PRIMARY KEY, ja json[]);
  INSERT INTO with_json_array SELECT g, ARRAY[E'{"a":\\n1}'::json, E'[\\r\\n]'::json] FROM generate_series(1, 20) AS g;
  CREATE TABLE with_cast (id int PRIMARY KEY, m mood);
  INSERT INTO with_cast SELECT g, CASE WHEN g % 2 = 0 THEN 'calm'::mood ELSE 'busy'::mood END FROM generate_series(1, 20) AS g;
`;

beforeAll(() => loadFixture());

/** Creates the tables and their rows, in place of any left by an earlier test (the JSON lines' restore turns json's line breaks into spaces). */
async function loadFixture(): Promise<void> {
  await store.db.sql('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await store.db.sql(FIXTURE);
  await store.db.sql('CREATE TABLE hostile (id int PRIMARY KEY, v text, va text[])');
  await store.db.sql(`INSERT INTO hostile SELECT n, s, ARRAY[s, NULL, s || ',x'] FROM unnest($1::text[]) WITH ORDINALITY AS u (s, n)`, [HOSTILE]);
}

/** PostgreSQL's own line of each row, line breaks made spaces (the documented format), sorted. */
async function expectedLines(table: string): Promise<string[]> {
  const { rows } = await store.db.sql(`SELECT replace(replace(row_to_json(t)::text, chr(10), ' '), chr(13), ' ') AS line FROM ${table} AS t`);
  return rows.map((r: { line: string }) => r.line).sort();
}

/** PostgreSQL's own record text of each row (`ROW(t.*)::text`, the record line), sorted. */
async function recordLines(table: string): Promise<string[]> {
  const { rows } = await store.db.sql(`SELECT t::text AS line FROM ${table} AS t`);
  return rows.map((r: { line: string }) => r.line).sort();
}

/** The rows of each table. */
const ROWS: Record<string, number> = { plain: 50, with_json: 20, with_domain: 20, with_composite: 20, with_json_array: 20, with_cast: 20, hostile: HOSTILE.length };

describe('line breaks in the rendering of rows', () => {
  it('tells from the catalog which tables may render a raw line break, in the export and in the restore', async () => {
    const driver = store.db.driver();
    const listed = await listSnapshotTables(driver, ['public']);
    expect(Object.fromEntries(listed.map((t) => [t.table, t.mayHoldLineBreaks]))).toEqual(TABLES);
    const snapshotTables = listed.map((t) => ({ ...t, keyColumns: null, rowCount: 0, bytes: 0, compressedBytes: 0, checksum: '', key: '' }));
    const target = await readTargetCatalog(driver, snapshotTables);
    expect(Object.fromEntries([...target.tables.values()].map((t) => [t.table, t.mayHoldLineBreaks]))).toEqual(TABLES);
    // The rendering of these really holds raw line breaks: the rule is not wider than it must be for them.
    for (const table of ['with_json', 'with_composite', 'with_json_array', 'with_cast']) {
      const { rows } = await store.db.sql(`SELECT bool_and(strpos(row_to_json(t)::text, chr(10)) > 0) AS raw FROM ${table} AS t`);
      expect(rows[0].raw, table).toBe(true);
    }
  });

  it('exports one JSON line per row, equal to row_to_json with line breaks made spaces, and restores them verified', async () => {
    const driver = store.db.driver();
    const before = Object.fromEntries(await Promise.all(Object.keys(TABLES).map(async (t) => [t, await expectedLines(t)] as const)));
    const snapshot = await takeSnapshot({ driver, s3: store.s3, bucket: BUCKET, schemaVersion: null, order: 'physical', paging: { lineFormat: 'json' } });
    expect(snapshot.manifest.lineFormat).toBe('json');
    for (const entry of snapshot.manifest.tables) {
      const object = await readTableObject(store.s3, BUCKET, entry.key);
      expect(object.format, entry.table).toBe('json');
      expect(object.lines.length, entry.table).toBe(entry.rowCount);
      expect(entry.rowCount, entry.table).toBe(ROWS[entry.table]);
      expect(object.lines.every((line) => !line.includes('\r')), entry.table).toBe(true);
      expect([...object.lines].sort(), entry.table).toEqual(before[entry.table]);
    }

    // The restore reads a value back with its type's input function: a type rendered through a cast to json does not read back, so it is left out here.
    const restorable = Object.keys(TABLES).filter((t) => t !== 'with_cast');
    const second = await takeSnapshot({
      driver, s3: store.s3, bucket: BUCKET, schemaVersion: null, tables: restorable.map((table) => ({ schema: 'public', table })), paging: { lineFormat: 'json' },
    });
    expect(second.manifest.lineFormat).toBe('json');
    await store.db.sql(`TRUNCATE ${restorable.join(', ')}`);
    const report = await restoreSnapshot({ driver, s3: store.s3, bucket: BUCKET, snapshotId: second.snapshotId, confirm: second.snapshotId });
    expect(report.tables.map((t) => [t.table, t.rows, t.verified]).sort()).toEqual(restorable.map((t) => [t, ROWS[t], true]).sort());
    for (const table of restorable) expect(await expectedLines(table), table).toEqual(before[table]);
    expect(await hostileValues()).toEqual(HOSTILE.map((v) => ({ v, va: [v, null, v === null ? null : `${v},x`] })));
  });

  it('exports one record line per row, its line breaks raw inside double quotes, equal to ROW(...)::text, and restores every value exactly', async () => {
    await loadFixture();
    const driver = store.db.driver();
    const tables = Object.keys(TABLES);
    const before = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await recordLines(t)] as const)));
    for (const order of ['physical', 'key'] as const) {
      const snapshot = await takeSnapshot({ driver, s3: store.s3, bucket: BUCKET, schemaVersion: null, order });
      expect(snapshot.manifest.lineFormat).toBe('record');
      for (const entry of snapshot.manifest.tables) {
        const where = `${entry.table} (${order})`;
        const object = await readTableObject(store.s3, BUCKET, entry.key);
        expect(object.format, where).toBe('record');
        expect(entry.rowCount, where).toBe(ROWS[entry.table]);
        expect(object.lines.length, where).toBe(entry.rowCount);
        expect([...object.lines].sort(), where).toEqual(before[entry.table]);
        // The line breaks are kept raw (not replaced as JSON lines' are): in every row of the tables whose values all hold one.
        const holding = (c: string) => (entry.table === 'hostile' ? HOSTILE.filter((v) => v?.includes(c)).length : entry.table === 'with_cast' ? 0 : entry.rowCount);
        expect(object.lines.filter((line) => line.includes('\n')).length, where).toBe(holding('\n'));
        if (entry.table !== 'with_domain' && entry.table !== 'with_composite') expect(object.lines.filter((line) => line.includes('\r')).length, where).toBe(holding('\r'));
      }
    }

    // Every table reads back, the one rendered through a cast to json too (its record text is the enum's own).
    const second = await takeSnapshot({ driver, s3: store.s3, bucket: BUCKET, schemaVersion: null });
    await store.db.sql(`TRUNCATE ${tables.join(', ')}`);
    // Small batches: many statements per table, and lines cut from the stream anywhere.
    const report = await restoreSnapshot({ driver, s3: store.s3, bucket: BUCKET, snapshotId: second.snapshotId, confirm: second.snapshotId, batchBytes: 1024 });
    expect(report.tables.map((t) => [t.table, t.rows, t.verified]).sort()).toEqual(tables.map((t) => [t, ROWS[t], true]).sort());
    for (const table of tables) expect(await recordLines(table), table).toEqual(before[table]);
    expect(await hostileValues()).toEqual(HOSTILE.map((v) => ({ v, va: [v, null, v === null ? null : `${v},x`] })));
  });
});

/** The values of `hostile`, in the order they were inserted. */
async function hostileValues(): Promise<{ v: string | null; va: (string | null)[] }[]> {
  return (await store.db.sql('SELECT v, va FROM hostile ORDER BY id')).rows;
}
