import { BeginTransactionCommand, CommitTransactionCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type DataApiHarness } from './harness';

let h: DataApiHarness;

beforeAll(async () => {
  h = await startHarness('data_api_wait', { statementWaitMs: 200 });
  await h.db.sql('CREATE TABLE slow_log (note text)');
});
afterAll(() => h.close());

const sleeping = async (): Promise<number> =>
  (await h.db.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(0.8)%' AND pid <> pg_backend_pid()`)).rows[0].n;

describe('statement wait', () => {
  it('fails a call past the wait with StatementTimeoutException and cancels the statement', async () => {
    const started = Date.now();
    const err = await h.failure(h.execute(`INSERT INTO slow_log SELECT 'cancelled' FROM pg_sleep(0.8)`));
    expect(Date.now() - started).toBeLessThan(700);
    expect(err.name).toBe('StatementTimeoutException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.dbConnectionId).toBeGreaterThan(0);
    expect(await sleeping()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await h.db.sql(`SELECT count(*)::int AS n FROM slow_log WHERE note = 'cancelled'`)).rows[0].n).toBe(0);
  });

  it('lets the statement run on with continueAfterTimeout', async () => {
    const err = await h.failure(h.execute(`INSERT INTO slow_log SELECT 'continued' FROM pg_sleep(0.8)`, { continueAfterTimeout: true }));
    expect(err.name).toBe('StatementTimeoutException');
    expect(await sleeping()).toBe(1);
    await expect.poll(async () => (await h.db.sql(`SELECT count(*)::int AS n FROM slow_log WHERE note = 'continued'`)).rows[0].n, { timeout: 3_000 }).toBe(1);
  });

  it('keeps a transaction busy while its continued statement runs, usable again after', async () => {
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    const timeout = await h.failure(h.execute('SELECT pg_sleep(0.5)', { transactionId, continueAfterTimeout: true }));
    expect(timeout.name).toBe('StatementTimeoutException');
    const busy = await h.failure(h.execute('SELECT 1', { transactionId }));
    expect(busy.message).toBe('Transaction is still running a query');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await h.execute(`INSERT INTO slow_log VALUES ('after')`, { transactionId });
    await h.client.send(new CommitTransactionCommand({ ...h.target, transactionId }));
    expect((await h.db.sql(`SELECT count(*)::int AS n FROM slow_log WHERE note = 'after'`)).rows[0].n).toBe(1);
  });

  it('ends the transaction whose statement it cancels', async () => {
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    await h.failure(h.execute('SELECT pg_sleep(0.8)', { transactionId }));
    await expect.poll(async () => (await h.failure(h.execute('SELECT 1', { transactionId }))).name, { timeout: 2_000 }).toBe('TransactionNotFoundException');
  });
});
