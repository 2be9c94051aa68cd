import { BeginTransactionCommand, CommitTransactionCommand, RollbackTransactionCommand } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type DataApiHarness } from './harness';

let h: DataApiHarness;

beforeAll(async () => {
  h = await startHarness('data_api_counters');
});
afterAll(() => h.close());

describe('counters', () => {
  it('counts calls, errors and body bytes per operation, and resets', async () => {
    h.api.resetCounters();
    await h.execute('SELECT 1');
    await h.failure(h.execute('SELECT * FROM no_such_table'));
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    await h.client.send(new RollbackTransactionCommand({ ...h.target, transactionId }));

    const counters = h.api.counters;
    expect(counters.byOperation.ExecuteStatement).toMatchObject({ calls: 2, errors: 1 });
    expect(counters.byOperation.BeginTransaction).toMatchObject({ calls: 1, errors: 0 });
    expect(counters.byOperation.RollbackTransaction).toMatchObject({ calls: 1, errors: 0 });
    expect(counters.byOperation.CommitTransaction.calls).toBe(0);
    expect(counters).toMatchObject({ calls: 4, errors: 1 });
    // `{"resourceArn":"...","secretArn":"...","sql":"SELECT 1"}` and the like: real body sizes.
    expect(counters.byOperation.ExecuteStatement.requestBytes).toBeGreaterThan(2 * (h.api.resourceArn.length + h.api.secretArn.length));
    expect(counters.byOperation.ExecuteStatement.responseBytes).toBeGreaterThan('{"records":[[{"longValue":1}]]}'.length);
    expect(counters.requestBytes).toBe(Object.values(counters.byOperation).reduce((sum, c) => sum + c.requestBytes, 0));

    h.api.resetCounters();
    expect(h.api.counters).toMatchObject({ calls: 0, errors: 0, requestBytes: 0, responseBytes: 0 });
  });
});

describe('fault injection', () => {
  it('answers the calls the hook picks with its error, and lets the others through', async () => {
    const seen: string[] = [];
    h.api.faults = ({ operation, call }) => {
      seen.push(operation);
      return call % 2 === 1 ? { error: { name: 'DatabaseResumingException', message: 'The database is resuming' } } : undefined;
    };
    try {
      h.api.resetCounters();
      const first = await h.failure(h.execute('SELECT 1'));
      const second = await h.execute('SELECT 1');
      expect(first.name).toBe('DatabaseResumingException');
      expect(first.message).toBe('The database is resuming');
      expect(first.$metadata?.httpStatusCode).toBe(400);
      expect(second.records).toEqual([[{ longValue: 1 }]]);
      expect(seen).toHaveLength(2);
      expect(h.api.counters.byOperation.ExecuteStatement).toMatchObject({ calls: 2, errors: 1 });
    } finally {
      h.api.faults = undefined;
    }
  });

  it('can drop the connection without an answer', async () => {
    h.api.faults = () => ({ dropConnection: true });
    try {
      const err = await h.failure(h.execute('SELECT 1'));
      expect(err.$metadata?.httpStatusCode).toBeUndefined();
      expect(String((err as { code?: string }).code ?? err.message)).toMatch(/ECONNRESET|socket hang up/);
    } finally {
      h.api.faults = undefined;
    }
    expect((await h.execute('SELECT 1')).records).toEqual([[{ longValue: 1 }]]);
  });

  it('can run the call and lose its answer: the effect stays, the client sees a socket error', async () => {
    await h.execute('CREATE TABLE IF NOT EXISTS lost_answer (id int PRIMARY KEY)');
    h.api.faults = ({ request }) => (String((request as { sql?: string }).sql).startsWith('INSERT') ? { afterRun: { dropConnection: true } } : undefined);
    try {
      const err = await h.failure(h.execute('INSERT INTO lost_answer VALUES (1)'));
      expect(err.$metadata?.httpStatusCode).toBeUndefined();
      expect(String((err as { code?: string }).code ?? err.message)).toMatch(/ECONNRESET|socket hang up/);
    } finally {
      h.api.faults = undefined;
    }
    expect((await h.db.sql('SELECT count(*)::int AS n FROM lost_answer')).rows[0].n).toBe(1);
  });

  it('can run a commit and answer with an error: the transaction is committed all the same', async () => {
    await h.execute('CREATE TABLE IF NOT EXISTS commit_5xx (id int PRIMARY KEY)');
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    await h.execute('INSERT INTO commit_5xx VALUES (7)', { transactionId });
    h.api.faults = ({ operation }) =>
      operation === 'CommitTransaction' ? { afterRun: { delayMs: 50, error: { name: 'InternalServerErrorException', message: 'boom' } } } : undefined;
    try {
      const err = await h.failure(h.client.send(new CommitTransactionCommand({ ...h.target, transactionId })));
      expect(err.name).toBe('InternalServerErrorException');
      expect(err.$metadata?.httpStatusCode).toBe(500);
    } finally {
      h.api.faults = undefined;
    }
    expect((await h.db.sql('SELECT array_agg(id) AS ids FROM commit_5xx')).rows[0].ids).toEqual([7]);
  });

  it('can expire the transaction a call names, rolling it back as the idle timeout does', async () => {
    await h.execute('CREATE TABLE IF NOT EXISTS expired_tx (id int PRIMARY KEY)');
    const { transactionId } = await h.client.send(new BeginTransactionCommand({ ...h.target }));
    await h.execute('INSERT INTO expired_tx VALUES (1)', { transactionId });
    h.api.faults = ({ operation }) => (operation === 'ExecuteStatement' ? { expireTransaction: true } : undefined);
    try {
      const err = await h.failure(h.execute('INSERT INTO expired_tx VALUES (2)', { transactionId }));
      expect(err.name).toBe('TransactionNotFoundException');
      expect(err.message).toMatch(/Transaction may be expired/);
      // Without a transactionId there is nothing to expire: the call runs.
      await h.execute('INSERT INTO expired_tx VALUES (3)');
    } finally {
      h.api.faults = undefined;
    }
    const commit = await h.failure(h.client.send(new CommitTransactionCommand({ ...h.target, transactionId })));
    expect(commit.name).toBe('TransactionNotFoundException');
    expect((await h.db.sql('SELECT array_agg(id) AS ids FROM expired_tx')).rows[0].ids).toEqual([3]);
  });

  it('can slow a call down after it ran', async () => {
    h.api.faults = () => ({ afterRun: { delayMs: 150 } });
    try {
      const started = Date.now();
      expect((await h.execute('SELECT 1')).records).toEqual([[{ longValue: 1 }]]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      h.api.faults = undefined;
    }
  });
});
