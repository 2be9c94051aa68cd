/**
 * The record batch statement on real PostgreSQL: it stores the rows, answers the SHA-256 of the text it
 * received and the line count, and names the first line whose row does not render back to it; without
 * rendering, it stores the batch whole only when the text received has the SHA-256 sent (checked once,
 * before any row), and its count of rows stored is the answer; recordBatchDifference and
 * storedBatchDifference word each kind of difference by line number, never by content.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestTable } from '../../lambda/snapshot/manifest';
import { recordBatchDifference, recordBatchSource, recordBatchStatement, storedBatchDifference, WIDE_ROW_COLUMNS, type RecordBatchSource } from '../../lambda/snapshot/restore/record-batch';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('record_batch');
  await db.sql(`CREATE TABLE exact (id int PRIMARY KEY, amount numeric(12,2), tags text[]); CREATE TABLE rounded (id int PRIMARY KEY, amount numeric(12,0), tags text[])`);
});
afterAll(async () => {
  await db?.drop();
});

const table = (name: string): ManifestTable =>
  ({ schema: 'public', table: name, kind: 'table', columns: [{ name: 'id', type: 'integer' }, { name: 'amount', type: 'numeric' }, { name: 'tags', type: 'text[]' }] }) as unknown as ManifestTable;
/**
 * Both ways of cutting a batch into lines, run on the test server (PostgreSQL 14 or later has both), each
 * with both ways of reading a row's columns when no row is rendered.
 */
const SOURCES = [
  ['string_to_table (PostgreSQL 14+)', 'field by field', recordBatchSource(140_000), 'fields'],
  ['unnest(string_to_array()) (before 14)', 'field by field', recordBatchSource(130_000), 'fields'],
  ['string_to_table (PostgreSQL 14+)', 'a cast in FROM', recordBatchSource(140_000), 'cast'],
  ['unnest(string_to_array()) (before 14)', 'a cast in FROM', recordBatchSource(130_000), 'cast'],
] as const;
const LINES = ['(1,,"{a,b}")', '(2,2.50,"{""x y""}")', '(3,,)'];
const TEXT = LINES.join('\u0001');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function run(name: string, source: RecordBatchSource) {
  await db.sql(`TRUNCATE ${name}`);
  const { sql, answers } = recordBatchStatement(table(name), source);
  expect(answers).toBe('answer');
  const { rows } = await db.driver().execute(sql, { rows: TEXT, separator: '\u0001' });
  return rows[0]!;
}

/** Runs the statement that renders no row with `sent` as the SHA-256 sent; its count of rows stored. */
async function store(name: string, source: RecordBatchSource, readColumns: 'fields' | 'cast', sent = sha256(TEXT)): Promise<number> {
  await db.sql(`TRUNCATE ${name}`);
  const { sql, answers } = recordBatchStatement(table(name), source, { renderRows: false, readColumns });
  expect(sql.includes(`CAST(rds_source.l AS "public"."${name}")`)).toBe(readColumns === 'cast');
  expect(answers).toBe('count');
  const { rows, rowsAffected } = await db.driver().execute(sql, { rows: TEXT, separator: '\u0001', sha256: sent });
  expect(rows).toEqual([]);
  return rowsAffected;
}

describe('recordBatchStatement on a wide table', () => {
  it(`reads the columns by a cast in FROM from ${WIDE_ROW_COLUMNS} columns by default, storing every row as it was`, async () => {
    const columns = Array.from({ length: WIDE_ROW_COLUMNS + 4 }, (_, i) => ({ name: `c${i}`, type: ['text', 'numeric(12,2)', 'timestamptz', 'integer', 'text[]'][i % 5]! }));
    await db.sql(`CREATE TABLE wide (id int PRIMARY KEY, ${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`);
    const values = (g: number) => columns.map((c, i) =>
      (g + i) % 7 === 0 ? 'NULL'
        : c.type === 'text' ? `'a "quoted", (odd) value ${g}\\ ${i}'`
          : c.type === 'numeric(12,2)' ? `${g}.25`
            : c.type === 'timestamptz' ? `'2024-02-29 12:00:00+00'::timestamptz + interval '${g} minutes'`
              : c.type === 'integer' ? `${g * i}`
                : `ARRAY['x y', NULL, '${g}']`);
    await db.sql(`INSERT INTO wide VALUES ${[1, 2, 3, 4, 5, 6, 7].map((g) => `(${g}, ${values(g).join(', ')})`).join(', ')}`);
    const lines = (await db.sql(`SELECT ROW(w.*)::text AS line FROM wide w ORDER BY id`)).rows.map((r) => r.line as string);
    await db.sql('TRUNCATE wide');
    const wide = { schema: 'public', table: 'wide', kind: 'table', columns: [{ name: 'id', type: 'integer' }, ...columns] } as unknown as ManifestTable;
    const { sql, answers } = recordBatchStatement(wide, recordBatchSource(140_000), { renderRows: false });
    expect(answers).toBe('count');
    expect(sql).toContain('CROSS JOIN LATERAL CAST(rds_source.l AS "public"."wide") AS rds_line');
    const text = lines.join('\u0001');
    const { rowsAffected } = await db.driver().execute(sql, { rows: text, separator: '\u0001', sha256: sha256(text) });
    expect(rowsAffected).toBe(7);
    expect((await db.sql(`SELECT ROW(w.*)::text AS line FROM wide w ORDER BY id`)).rows.map((r) => r.line)).toEqual(lines);
    // Below the threshold, field by field.
    expect(recordBatchStatement(table('exact'), recordBatchSource(140_000), { renderRows: false }).sql).not.toContain('CAST(');
  });
});

describe('recordBatchSource', () => {
  it('cuts the lines with string_to_table from PostgreSQL 14, with unnest(string_to_array()) before', () => {
    expect(recordBatchSource(140_000).lines).toBe('string_to_table(:rows::text, :separator::text)');
    expect(recordBatchSource(180_004).lines).toBe('string_to_table(:rows::text, :separator::text)');
    expect(recordBatchSource(130_015).lines).toBe('unnest(string_to_array(:rows::text, :separator::text))');
  });
});

describe.each(SOURCES)('recordBatchStatement, lines from %s, columns read by %s', (_, _read, SOURCE, READ) => {
  it('stores every line as a row and proves it: the text received, the lines read, no line that renders differently', async () => {
    const answer = await run('exact', SOURCE);
    expect(answer).toEqual({ inserted_rows: '3', received_lines: '3', received_sha256: sha256(TEXT), first_difference: null });
    expect(recordBatchDifference(answer, { lines: 3, sha256: sha256(TEXT), firstLine: 1 })).toBeUndefined();
    expect((await db.sql(`SELECT ROW(e.*)::text AS line FROM exact e ORDER BY id`)).rows.map((r) => r.line)).toEqual(LINES);
  });

  it('names the first line whose row does not render back (a column of another typmod), by its number in the object', async () => {
    const answer = await run('rounded', SOURCE);
    expect(answer.first_difference).toBe('2');
    const difference = recordBatchDifference(answer, { lines: 3, sha256: sha256(TEXT), firstLine: 101 });
    expect(difference).toBe('the row stored for line 102 of the object does not render back to that line');
    expect(difference).not.toMatch(/2\.50|x y/);
  });

  it('without rendering the rows: stores every line as a row when the text received has the SHA-256 sent, and counts them', async () => {
    expect(await store('exact', SOURCE, READ)).toBe(3);
    expect(storedBatchDifference(3, { lines: 3, sha256: sha256(TEXT), firstLine: 1 })).toBeUndefined();
    expect((await db.sql(`SELECT ROW(e.*)::text AS line FROM exact e ORDER BY id`)).rows.map((r) => r.line)).toEqual(LINES);
  });

  it('without rendering the rows: stores nothing when the text received is not the text sent, checked once before any row', async () => {
    expect(await store('exact', SOURCE, READ, sha256('other text'))).toBe(0);
    expect((await db.sql(`SELECT count(*)::int AS n FROM exact`)).rows[0].n).toBe(0);
    expect(storedBatchDifference(0, { lines: 3, sha256: sha256(TEXT), firstLine: 7 })).toBe(
      'the text PostgreSQL received for lines 7 to 9 of the object is not the text sent (its SHA-256 differs): nothing was stored',
    );
    expect(storedBatchDifference(2, { lines: 3, sha256: sha256(TEXT), firstLine: 1 })).toBe('2 rows were stored for lines 1 to 3 of the object');
    // The condition names no row: PostgreSQL plans it as a one-time filter, evaluated once per statement.
    const { sql } = recordBatchStatement(table('exact'), SOURCE, { renderRows: false, readColumns: READ });
    const plan = await db.sql(`EXPLAIN (COSTS OFF) ${sql.replaceAll(':rows::text', '$1::text').replaceAll(':separator::text', '$2::text').replaceAll(':sha256::text', '$3::text')}`, [TEXT, '\u0001', sha256(TEXT)]);
    expect(plan.rows.map((r) => r['QUERY PLAN'] as string).join('\n')).toMatch(/One-Time Filter: \(encode\(sha256/);
  });

  it('without rendering the rows, a column of another typmod goes unnoticed: why the restore renders unless the types are the snapshot\'s', async () => {
    expect(await store('rounded', SOURCE, READ)).toBe(3);
    expect((await db.sql(`SELECT amount::text FROM rounded WHERE id = 2`)).rows[0].amount).toBe('3');
  });

  it('words a text received that is not the text sent, a line count and a row count that differ', () => {
    const answer = { inserted_rows: '3', received_lines: '3', received_sha256: sha256(TEXT), first_difference: null };
    expect(recordBatchDifference(answer, { lines: 3, sha256: sha256('other'), firstLine: 7 })).toBe(
      'the text PostgreSQL received for lines 7 to 9 of the object is not the text sent (its SHA-256 differs)',
    );
    expect(recordBatchDifference(answer, { lines: 4, sha256: sha256(TEXT), firstLine: 1 })).toBe('PostgreSQL read 3 lines where 4 were sent (lines 1 to 4 of the object)');
    expect(recordBatchDifference({ ...answer, inserted_rows: '0' }, { lines: 3, sha256: sha256(TEXT), firstLine: 1 })).toBe('0 rows were stored for lines 1 to 3 of the object');
  });
});
