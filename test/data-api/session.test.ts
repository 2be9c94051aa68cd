import { BeginTransactionCommand, CommitTransactionCommand } from '@aws-sdk/client-rds-data';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startHarness, type DataApiHarness } from './harness';

let h: DataApiHarness;
let other: TestDatabase;

beforeAll(async () => {
  // One connection per database pool: every call reuses the same backend, so leftovers would show.
  h = await startHarness('data_api_session', { maxConnectionsPerDatabase: 1 });
  other = await createTestDatabase('data_api_other');
  await other.sql(`CREATE TABLE marker AS SELECT 'other' AS name`);
});
afterAll(async () => {
  await h.close();
  await other.drop();
});

const single = async (sql: string, input = {}): Promise<unknown> => (await h.execute(sql, input)).records![0]![0];

describe('session state', () => {
  it('does not keep SET, temporary tables or prepared state from one call to the next', async () => {
    const pid = await single('SELECT pg_backend_pid() AS pid');
    await h.execute(`SET application_name = 'leaked'`);
    await h.execute('CREATE TEMP TABLE scratch (n int)');
    expect(await single('SELECT pg_backend_pid() AS pid')).toEqual(pid);
    expect(await single(`SELECT current_setting('application_name') AS name`)).toEqual({ stringValue: 'rds-migrate-local-data-api' });
    const err = await h.failure(h.execute('SELECT * FROM scratch'));
    expect(err.message).toContain('SQLState: 42P01');
  });

  it('releases session advisory locks when the call ends', async () => {
    await h.execute('SELECT pg_advisory_lock(4242)');
    // A different session can take the lock: it was not left held on the pooled connection.
    const probe = new pg.Client({ connectionString: h.db.url });
    await probe.connect();
    try {
      const { rows } = await probe.query('SELECT pg_try_advisory_lock(4242) AS taken');
      expect(rows[0].taken).toBe(true);
    } finally {
      await probe.end();
    }
  });

  it('runs every session in UTC with ISO dates', async () => {
    expect(await single(`SELECT current_setting('TimeZone') AS tz`)).toEqual({ stringValue: 'UTC' });
    expect(await single(`SELECT '2024-05-06 07:08:09+00'::timestamptz::text AS t`)).toEqual({ stringValue: '2024-05-06 07:08:09+00' });
  });
});

describe('database selection', () => {
  it("uses the request's database, else the server's default database", async () => {
    expect(await single('SELECT current_database() AS db')).toEqual({ stringValue: h.db.name });
    expect(await single('SELECT current_database() AS db', { database: other.name })).toEqual({ stringValue: other.name });
    expect(await single('SELECT name FROM marker', { database: other.name })).toEqual({ stringValue: 'other' });
  });

  it('opens a transaction in the database BeginTransaction names', async () => {
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target, database: other.name }));
    expect(await single('SELECT current_database() AS db', { transactionId })).toEqual({ stringValue: other.name });
    await h.client.send(new CommitTransactionCommand({ ...h.target, transactionId }));
  });

  it('reports an unknown database as a DatabaseErrorException', async () => {
    const err = await h.failure(h.execute('SELECT 1', { database: 'no_such_database' }));
    expect(err.name).toBe('DatabaseErrorException');
    expect(err.message).toContain('SQLState: 3D000');
  });
});
