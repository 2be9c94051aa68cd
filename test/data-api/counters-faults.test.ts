import { BeginTransactionCommand, RollbackTransactionCommand } from '@aws-sdk/client-rds-data';
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
});
