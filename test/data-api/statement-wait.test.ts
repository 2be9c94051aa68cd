import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalDataApi } from '../../local/data-api/server';
import { startHarness, type DataApiHarness } from './harness';

let h: DataApiHarness;

beforeAll(async () => {
  h = await startHarness('data_api_wait', { statementWaitMs: 200 });
  await h.db.sql('CREATE TABLE slow_log (note text)');
});
afterAll(() => h.close());

const sleeping = async (): Promise<number> =>
  (await h.db.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()`)).rows[0].n;

describe('statement wait', () => {
  it('fails a call past the wait with StatementTimeoutException and cancels the statement', async () => {
    const started = Date.now();
    const err = await h.failure(h.execute(`INSERT INTO slow_log SELECT 'cancelled' FROM pg_sleep(2)`));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(err.name).toBe('StatementTimeoutException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.dbConnectionId).toBeGreaterThan(0);
    await expect.poll(sleeping, { timeout: 1_000, interval: 20 }).toBe(0);
    expect((await h.db.sql(`SELECT count(*)::int AS n FROM slow_log WHERE note = 'cancelled'`)).rows[0].n).toBe(0);
  });

  it('lets the statement run on with continueAfterTimeout', async () => {
    const err = await h.failure(h.execute(`INSERT INTO slow_log SELECT 'continued' FROM pg_sleep(2)`, { continueAfterTimeout: true }));
    expect(err.name).toBe('StatementTimeoutException');
    expect(await sleeping()).toBe(1);
    await expect.poll(async () => (await h.db.sql(`SELECT count(*)::int AS n FROM slow_log WHERE note = 'continued'`)).rows[0].n, { timeout: 5_000 }).toBe(1);
  });

  it('keeps a transaction busy while its continued statement runs, usable again after', async () => {
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    const timeout = await h.failure(h.execute('SELECT pg_sleep(1.5)', { transactionId, continueAfterTimeout: true }));
    expect(timeout.name).toBe('StatementTimeoutException');
    const busy = await h.failure(h.execute('SELECT 1', { transactionId }));
    expect(busy.message).toBe('Transaction is still running a query');
    await expect.poll(() => h.execute(`INSERT INTO slow_log VALUES ('after')`, { transactionId }).then(() => 'done', (e: Error) => e.message), { timeout: 5_000, interval: 100 }).toBe('done');
    await h.client.send(new CommitTransactionCommand({ ...h.target, transactionId }));
    expect((await h.db.sql(`SELECT count(*)::int AS n FROM slow_log WHERE note = 'after'`)).rows[0].n).toBe(1);
  });

  it('closes promptly with a statement still running: cancels it and rolls back open transactions', async () => {
    const other = await startLocalDataApi({ postgresUrl: h.db.url, statementWaitMs: 100 });
    const client = new RDSDataClient({ ...other.clientConfig(), maxAttempts: 1 });
    try {
      const { transactionId } = await client.send(new BeginTransactionCommand({ ...h.target }));
      await client.send(new ExecuteStatementCommand({ ...h.target, transactionId, sql: `INSERT INTO slow_log VALUES ('uncommitted')` }));
      await h.failure(client.send(new ExecuteStatementCommand({ ...h.target, sql: 'SELECT pg_sleep(30)', continueAfterTimeout: true })));
      const started = Date.now();
      await other.close();
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      client.destroy();
    }
    expect((await h.db.sql(`SELECT count(*)::int AS n FROM slow_log WHERE note = 'uncommitted'`)).rows[0].n).toBe(0);
    await expect
      .poll(async () => (await h.db.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT pg_sleep(30)%'`)).rows[0].n, { timeout: 2_000, interval: 50 })
      .toBe(0);
  });

  it('ends the transaction whose statement it cancels', async () => {
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    await h.failure(h.execute('SELECT pg_sleep(2)', { transactionId }));
    await expect.poll(async () => (await h.failure(h.execute('SELECT 1', { transactionId }))).name, { timeout: 2_000 }).toBe('TransactionNotFoundException');
  });
});
