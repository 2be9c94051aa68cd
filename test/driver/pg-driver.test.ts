import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../lambda/driver/errors';
import { withTransaction } from '../../lambda/driver/transaction';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';

let db: TestDatabase;
let driver: PgDriver;

beforeAll(async () => {
  db = await createTestDatabase('pg_driver');
  driver = db.driver();
});
afterAll(() => db.drop());

describe('PgDriver', () => {
  it('maps result values like the Data API Field mapping', async () => {
    const { rows } = await driver.execute(
      `SELECT 1::int4 AS i, 9007199254740991::int8 AS big, 1.5::float8 AS f, 12.30::numeric AS n, true AS b,
              '\\x0102'::bytea AS blob, '{"a":1}'::jsonb AS j, ARRAY[1,2]::int[] AS ints, ARRAY['x',NULL]::text[] AS texts,
              NULL::text AS nothing, '2024-01-02'::date AS d`,
    );
    expect(rows[0]).toEqual({
      i: 1, big: 9007199254740991, f: 1.5, n: '12.30', b: true, blob: new Uint8Array([1, 2]), j: '{"a": 1}',
      ints: [1, 2], texts: ['x', null], nothing: null, d: '2024-01-02',
    });
  });

  it('binds :name parameters, reusing a name and leaving casts, strings and comments alone', async () => {
    const { rows } = await driver.execute(
      `SELECT :a::int + :a::int AS twice, ':not_a_param' AS s, $$ :nor_this $$ AS d -- :nor_here
       , :b AS b`,
      { a: 21, b: 'x' },
    );
    expect(rows[0]).toEqual({ twice: 42, s: ':not_a_param', d: ' :nor_this ', b: 'x' });
  });

  it('reports rows affected and SQLSTATE', async () => {
    await driver.execute('CREATE TABLE t (id int primary key)');
    const ins = await driver.execute('INSERT INTO t SELECT generate_series(1, 3)');
    expect(ins.rowsAffected).toBe(3);
    const err = await driver.execute('INSERT INTO t VALUES (1)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseError);
    expect((err as DatabaseError).sqlState).toBe('23505');
  });

  it('commits and rolls back transactions', async () => {
    await withTransaction(driver, (tx) => tx.execute('INSERT INTO t VALUES (10)'));
    await expect(
      withTransaction(driver, async (tx) => {
        await tx.execute('INSERT INTO t VALUES (11)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await driver.execute('SELECT array_agg(id ORDER BY id) AS ids FROM t WHERE id >= 10');
    expect(rows[0]!.ids).toEqual([10]);
  });

  it('fails clearly when a parameter is missing', async () => {
    await expect(driver.execute('SELECT :missing AS x', {})).rejects.toThrow(/Missing parameter :missing/);
  });
});

describe('PgDriver when the server ends a transaction connection', () => {
  it('reports the failure on the next call instead of crashing the process', async () => {
    const tx = await driver.beginTransaction();
    const { rows } = await tx.execute('SELECT pg_backend_pid() AS pid');
    await db.sql('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    // Give the client time to notice the closed socket and emit 'error'.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(tx.execute('SELECT 1')).rejects.toThrow();
    await expect(tx.rollback()).rejects.toThrow();
    // The pool goes on with a fresh connection.
    const again = await driver.execute('SELECT 1 AS one');
    expect(again.rows[0]).toEqual({ one: 1 });
  });
});
