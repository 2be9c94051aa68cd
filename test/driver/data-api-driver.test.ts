import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { parseDatabaseErrorMessage } from '../../lambda/driver/data-api/data-api-errors';
import type { Driver } from '../../lambda/driver/driver';
import { DatabaseError, DriverError, isTransient, type DriverErrorKind } from '../../lambda/driver/errors';
import { withTransaction } from '../../lambda/driver/transaction';
import { startLocalDataApi, type LocalDataApi, type LocalDataApiOptions } from '../../local/data-api/server';
import { untilRunning } from '../data-api/harness';
import { createTestDatabase, type TestDatabase } from '../support/database';

/** A driver over a fresh database, and how to tear both down. */
interface DriverUnderTest {
  readonly driver: Driver;
  readonly db: TestDatabase;
  close(): Promise<void>;
}

async function pgDriver(): Promise<DriverUnderTest> {
  const db = await createTestDatabase('contract_pg');
  return { driver: db.driver(), db, close: () => db.drop() };
}

/** DataApiDriver → real SDK client → local Data API → the database. */
async function dataApiDriver(options: Partial<LocalDataApiOptions> = {}): Promise<DriverUnderTest & { api: LocalDataApi }> {
  const db = await createTestDatabase('contract_data_api');
  const api = await startLocalDataApi({ postgresUrl: db.url, ...options });
  const client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  const driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
  return {
    driver,
    db,
    api,
    async close() {
      await driver.close();
      client.destroy();
      await api.close();
      await db.drop();
    },
  };
}

async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

/**
 * The driver contract (`lambda/driver/driver.ts`): behaviour the engine relies on, identical on
 * every backend.
 */
function describeDriverContract(name: string, open: () => Promise<DriverUnderTest>): void {
  describe(`driver contract: ${name}`, () => {
    let under: DriverUnderTest;
    let driver: Driver;

    beforeAll(async () => {
      under = await open();
      driver = under.driver;
      await under.db.sql(`
        CREATE TABLE t (id int PRIMARY KEY);
        CREATE TABLE kinds (b boolean, i int8, f float8, s text, bin bytea, u uuid, j jsonb, d date, n numeric, nothing int);
      `);
    });
    afterAll(() => under.close());

    it('maps result values like the Data API Field mapping', async () => {
      const { rows } = await driver.execute(
        `SELECT 1::int4 AS i, 9007199254740991::int8 AS big, 1.5::float8 AS f, 12.30::numeric AS n, true AS b,
                '\\x0102'::bytea AS blob, '{"a":1}'::jsonb AS j, ARRAY[1,2]::int[] AS ints, ARRAY['x',NULL]::text[] AS texts,
                ARRAY[true]::bool[] AS bools, ARRAY[0.5]::float8[] AS floats, NULL::text AS nothing, '2024-01-02'::date AS d,
                'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS u`,
      );
      expect(rows).toEqual([{
        i: 1, big: 9007199254740991, f: 1.5, n: '12.30', b: true, blob: new Uint8Array([1, 2]), j: '{"a": 1}',
        ints: [1, 2], texts: ['x', null], bools: [true], floats: [0.5], nothing: null, d: '2024-01-02',
        u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      }]);
    });

    it('binds :name parameters, reusing a name and leaving casts, strings and comments alone', async () => {
      const { rows } = await driver.execute(
        `SELECT :a::int + :a::int AS twice, ':not_a_param' AS s, $$ :nor_this $$ AS d -- :nor_here
         , :b AS b`,
        { a: 21, b: 'x' },
      );
      expect(rows[0]).toEqual({ twice: 42, s: ':not_a_param', d: ' :nor_this ', b: 'x' });
    });

    it('binds every parameter kind and reads it back', async () => {
      const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
      const inserted = await driver.execute(
        'INSERT INTO kinds (b, i, f, s, bin, u, j, d, n, nothing) VALUES (:b, :i, :f, :s, :bin, :u, :j, :d, :n, :nothing)',
        {
          b: true, i: 42, f: 1.5, s: 'héllo', bin: new Uint8Array([0, 255]), nothing: null,
          u: { value: uuid, typeHint: 'UUID' }, j: { value: '{"a": [1]}', typeHint: 'JSON' },
          d: { value: '2024-02-29', typeHint: 'DATE' }, n: { value: '12.345', typeHint: 'DECIMAL' },
        },
      );
      expect(inserted.rowsAffected).toBe(1);
      const { rows } = await driver.execute('SELECT b, i, f, s, bin, u, j, d, n, nothing FROM kinds');
      expect(rows).toEqual([{
        b: true, i: 42, f: 1.5, s: 'héllo', bin: new Uint8Array([0, 255]), u: uuid, j: '{"a": [1]}', d: '2024-02-29',
        n: '12.345', nothing: null,
      }]);
    });

    it('reports rows affected, and SQL errors as DatabaseError with SQLSTATE, detail, hint and position', async () => {
      const ins = await driver.execute('INSERT INTO t SELECT generate_series(1, 3)');
      expect(ins.rowsAffected).toBe(3);
      expect((await driver.execute('UPDATE t SET id = id + 100 WHERE id > 1')).rowsAffected).toBe(2);
      expect((await driver.execute('DELETE FROM t WHERE id > 100')).rowsAffected).toBe(2);
      expect((await driver.execute('SELECT id FROM t')).rowsAffected).toBe(0);
      expect((await driver.execute('CREATE INDEX t_id ON t (id)')).rows).toEqual([]);

      const duplicate = await failure(driver.execute('INSERT INTO t VALUES (1)'));
      expect(duplicate).toBeInstanceOf(DatabaseError);
      expect(duplicate).toMatchObject({
        sqlState: '23505',
        message: 'duplicate key value violates unique constraint "t_pkey"',
        detail: 'Key (id)=(1) already exists.',
      });
      const noFunction = await failure(driver.execute('SELECT no_such_function(1)'));
      expect(noFunction).toMatchObject({ sqlState: '42883', position: 8 });
      expect((noFunction as DatabaseError).hint).toMatch(/^No function matches/);
      expect(isTransient(duplicate)).toBe(false);
    });

    it('commits and rolls back transactions, DDL included', async () => {
      await withTransaction(driver, (tx) => tx.execute('INSERT INTO t VALUES (10)'));
      await expect(
        withTransaction(driver, async (tx) => {
          await tx.execute('INSERT INTO t VALUES (11)');
          await tx.execute('CREATE TABLE doomed (n int)');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      const { rows } = await driver.execute(`SELECT array_agg(id ORDER BY id) AS ids, to_regclass('doomed')::text AS doomed FROM t WHERE id >= 10`);
      expect(rows[0]).toEqual({ ids: [10], doomed: null });
    });

    it('keeps a transaction invisible to other calls until it commits', async () => {
      const tx = await driver.beginTransaction();
      await tx.execute('INSERT INTO t VALUES (20)');
      expect((await tx.execute('SELECT count(*)::int AS n FROM t WHERE id = 20')).rows[0]).toEqual({ n: 1 });
      expect((await driver.execute('SELECT count(*)::int AS n FROM t WHERE id = 20')).rows[0]).toEqual({ n: 0 });
      await tx.commit();
      expect((await driver.execute('SELECT count(*)::int AS n FROM t WHERE id = 20')).rows[0]).toEqual({ n: 1 });
      await expect(async () => tx.execute('SELECT 1')).rejects.toThrow(/already finished/);
    });

    it('rolls back quietly after a failed statement, leaving nothing behind', async () => {
      const tx = await driver.beginTransaction();
      await tx.execute('INSERT INTO t VALUES (30)');
      await expect(tx.execute('INSERT INTO t VALUES (30)')).rejects.toBeInstanceOf(DatabaseError);
      await tx.rollback();
      expect((await driver.execute('SELECT count(*)::int AS n FROM t WHERE id = 30')).rows[0]).toEqual({ n: 0 });
    });

    it('fails clearly when a parameter is missing', async () => {
      await expect(driver.execute('SELECT :missing AS x', {})).rejects.toThrow(/Missing parameter :missing/);
    });
  });
}

describeDriverContract('PgDriver', pgDriver);
describeDriverContract('DataApiDriver over the local Data API', () => dataApiDriver());

describe('DataApiDriver', () => {
  let under: DriverUnderTest & { api: LocalDataApi };

  beforeAll(async () => {
    under = await dataApiDriver({ statementWaitMs: 300, transactionIdleTimeoutMs: 1_000 });
    await under.db.sql(`CREATE TABLE docs (id uuid PRIMARY KEY, at timestamptz); CREATE TABLE slow (note text);`);
  });
  afterAll(() => under.close());

  const kindOf = async (call: Promise<unknown>): Promise<DriverErrorKind | string> => {
    const error = await failure(call);
    return error instanceof DriverError ? error.kind : `${error.name}: ${error.message}`;
  };

  it('refuses options that are missing, naming them', () => {
    expect(() => new DataApiDriver({ resourceArn: 'arn:x', secretArn: '', database: 'app' })).toThrow(/option 'secretArn'/);
  });

  it('builds its client from the SDK default configuration, AWS_ENDPOINT_URL_RDS_DATA included', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_RDS_DATA: under.api.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
    const driver = new DataApiDriver({ resourceArn: under.api.resourceArn, secretArn: under.api.secretArn, database: under.db.name });
    try {
      expect(driver.kind).toBe('data-api');
      expect((await driver.execute('SELECT current_database() AS db')).rows).toEqual([{ db: under.db.name }]);
    } finally {
      process.env = saved;
      await driver.close();
    }
  });

  it('binds strings as varchar, as the Data API does: uuid columns need a cast or a UUID TypedParam', async () => {
    const id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    const err = await failure(under.driver.execute('INSERT INTO docs (id) VALUES (:id)', { id }));
    expect(err).toMatchObject({ sqlState: '42804' });
    await under.driver.execute('INSERT INTO docs (id, at) VALUES (:id::uuid, :at::timestamptz)', { id, at: '2024-01-02 05:04:05+02' });
    const { rows } = await under.driver.execute('SELECT at FROM docs WHERE id = :id', { id: { value: id, typeHint: 'UUID' } });
    expect(rows).toEqual([{ at: '2024-01-02 03:04:05' }]);
  });

  it('passes continueAfterTimeout: the call fails with statement-timeout and the statement completes', async () => {
    const error = await failure(under.driver.execute(`INSERT INTO slow SELECT 'done' FROM pg_sleep(0.6)`, {}, { continueAfterTimeout: true }));
    expect(error).toBeInstanceOf(DriverError);
    expect(error).toMatchObject({ kind: 'statement-timeout', code: 'StatementTimeoutException' });
    await expect.poll(async () => (await under.db.sql(`SELECT count(*)::int AS n FROM slow`)).rows[0].n, { timeout: 3_000 }).toBe(1);
  });

  describe('maps every error the Data API returns', () => {
    it('statement-timeout: the call ran past the statement wait', async () => {
      expect(await kindOf(under.driver.execute('SELECT pg_sleep(1)'))).toBe('statement-timeout');
    });

    it('transaction-not-found: the transaction expired', async () => {
      const tx = await under.driver.beginTransaction();
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await kindOf(tx.execute('SELECT 1'))).toBe('transaction-not-found');
    });

    it('busy: a second call while the transaction is still running a query', async () => {
      const tx = await under.driver.beginTransaction();
      const slow = tx.execute('SELECT pg_sleep(0.25) AS busy_marker');
      await untilRunning(under.db, 'busy_marker');
      expect(await kindOf(tx.execute('SELECT 1'))).toBe('busy');
      await slow;
      await tx.commit();
    });

    it('invalid-request: a multi-statement string', async () => {
      expect(await kindOf(under.driver.execute('SELECT 1; SELECT 2'))).toBe('invalid-request');
    });

    it('unsupported-result: an unsupported type, or a result too large', async () => {
      expect(await kindOf(under.driver.execute(`SELECT ARRAY[gen_random_uuid()] AS ids`))).toBe('unsupported-result');
      expect(await kindOf(under.driver.execute(`SELECT repeat('x', 60000) AS v FROM generate_series(1, 20)`))).toBe('unsupported-result');
    });

    it.each([
      ['DatabaseResumingException', 'resuming'],
      ['DatabaseUnavailableException', 'unavailable'],
      ['ServiceUnavailableError', 'unavailable'],
      ['InternalServerErrorException', 'unavailable'],
      ['AccessDeniedException', 'access-denied'],
      ['ForbiddenException', 'access-denied'],
    ] as const)('%s → %s', async (name, kind) => {
      under.api.faults = () => ({ error: { name } });
      try {
        const error = await failure(under.driver.execute('SELECT 1'));
        expect(error).toMatchObject({ kind, code: name });
        expect(isTransient(error)).toBe(kind === 'resuming' || kind === 'unavailable');
      } finally {
        under.api.faults = undefined;
      }
    });

    it('unavailable: a connection dropped without an answer', async () => {
      under.api.faults = () => ({ dropConnection: true });
      try {
        expect(await kindOf(under.driver.execute('SELECT 1'))).toBe('unavailable');
      } finally {
        under.api.faults = undefined;
      }
    });

    it('unavailable: nothing listening at the endpoint', async () => {
      const client = new RDSDataClient({ endpoint: 'http://127.0.0.1:1', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
      const driver = new DataApiDriver({ resourceArn: 'arn:x', secretArn: 'arn:y', database: 'app', client });
      try {
        const error = await failure(driver.execute('SELECT 1'));
        expect(error).toMatchObject({ kind: 'unavailable', code: 'ECONNREFUSED' });
      } finally {
        client.destroy();
      }
    });
  });

  it('parses every part of a Data API SQL error message', () => {
    expect(
      parseDatabaseErrorMessage('ERROR: insert or update violates "fk"; Detail: Key (a)=(1; 2) is not present.; Hint: Check it; Position: 12; SQLState: 23503'),
    ).toEqual({ message: 'insert or update violates "fk"', detail: 'Key (a)=(1; 2) is not present.', hint: 'Check it', position: 12, sqlState: '23503' });
    expect(parseDatabaseErrorMessage('something else')).toEqual({ message: 'something else' });
  });
});
