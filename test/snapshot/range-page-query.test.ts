/**
 * The physical-order page statements (`rangePageQuery`) on real PostgreSQL: the pieces of a page come in
 * `piece_no` order (the statement has no ORDER BY: see `page-query.ts`) and decode to the range's lines;
 * a `whole` range that does not fit the budget answers one row without a piece; the `range` shape cuts
 * to the budget and its pieces are ordered too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPackedPage, type PieceRow } from '../../lambda/snapshot/packed-page';
import { rangePageQuery, type RangeShape } from '../../lambda/snapshot/page-query';
import type { SnapshotTable } from '../../lambda/snapshot/table-catalog';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
let blocks: number;
beforeAll(async () => {
  db = await createTestDatabase('range_page');
  // About 2.2 KB a row, 3 rows a block: 120 rows make 40 blocks, about 260 KB of lines.
  await db.sql(`CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL) WITH (autovacuum_enabled = off, toast_tuple_target = 8160);
    ALTER TABLE notes ALTER COLUMN body SET STORAGE plain;
    INSERT INTO notes SELECT g, repeat(md5(g::text), 68) FROM generate_series(1, 120) AS g;`);
  blocks = Number((await db.sql(`SELECT pg_relation_size('notes') / current_setting('block_size')::int AS blocks`)).rows[0]!.blocks);
});
afterAll(async () => {
  await db?.drop();
});

const columns: SnapshotTable['columns'] = [
  { name: 'id', type: 'integer', generated: false },
  { name: 'body', type: 'text', generated: false },
] as unknown as SnapshotTable['columns'];
const relation = { schema: 'public', table: 'notes' };

async function page(shape: RangeShape, params: Record<string, number>) {
  const sql = rangePageQuery(relation, columns, shape, 'record');
  const { rows } = await db.driver().execute<PieceRow>(sql, { pieceBytes: 1000, overhead: 160, fromPiece: 1, fromBlock: 0, toBlock: blocks, ...params });
  return rows;
}

const linesOf = (rows: PieceRow[]) => readPackedPage(rows, 1, 1, 160, 'notes', 'record')!;
const expectedLines = async (limit?: number) =>
  (await db.sql(`SELECT ROW(n.id, n.body)::text AS line FROM notes n ORDER BY ctid ${limit ? `LIMIT ${limit}` : ''}`)).rows.map((r) => `${r.line}\n`).join('');

describe('rangePageQuery', () => {
  it('answers a whole range as pieces numbered 1 to n, in order, that decode to its lines', async () => {
    const rows = await page('whole', { budget: 1024 * 1024 });
    expect(rows.length).toBeGreaterThan(200);
    expect(rows.map((r) => r.piece_no)).toEqual(rows.map((_, i) => i + 1));
    expect(rows.every((r) => r.piece_count === rows.length && r.rows === 120)).toBe(true);
    expect(Buffer.concat(linesOf(rows).data).toString()).toBe(await expectedLines());
  });

  it('answers one row with piece_no 0 and no piece when the whole range does not fit the budget', async () => {
    const rows = await page('whole', { budget: 64 * 1024 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ piece_no: 0, piece: null, rows: 120 });
    expect(rows[0]!.piece_count).toBeGreaterThan(200);
  });

  it('cuts a range to the budget, its pieces in order, the rows it kept the range’s first', async () => {
    const rows = await page('range', { budget: 64 * 1024, limit: 100 });
    const kept = rows[0]!.rows;
    expect(kept).toBeGreaterThan(1);
    expect(kept).toBeLessThan(100);
    expect(rows.map((r) => r.piece_no)).toEqual(rows.map((_, i) => i + 1));
    expect(Buffer.concat(linesOf(rows).data).toString()).toBe(await expectedLines(kept));
  });
});
