import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, untilRunning, type DataApiHarness } from './harness';

let h: DataApiHarness;

beforeAll(async () => {
  h = await startHarness('data_api_tx', { transactionIdleTimeoutMs: 600 });
  await h.db.sql('CREATE TABLE items (id int PRIMARY KEY)');
});
afterAll(() => h.close());

const begin = async (): Promise<string> => (await h.client.send(new BeginTransactionCommand({ ...h.target }))).transactionId!;
const commit = (transactionId: string) => h.client.send(new CommitTransactionCommand({ ...h.target, transactionId }));
const rollback = (transactionId: string) => h.client.send(new RollbackTransactionCommand({ ...h.target, transactionId }));
const ids = async (): Promise<number[]> => (await h.db.sql('SELECT id FROM items ORDER BY id')).rows.map((r) => r.id as number);

describe('transactions', () => {
  it('commits: changes are invisible to other sessions until CommitTransaction', async () => {
    const tx = await begin();
    await h.execute('INSERT INTO items VALUES (1)', { transactionId: tx });
    expect(await ids()).toEqual([]);
    expect(await commit(tx)).toMatchObject({ transactionStatus: 'Transaction Committed' });
    expect(await ids()).toEqual([1]);
  });

  it('rolls back, DDL included', async () => {
    const tx = await begin();
    await h.execute('INSERT INTO items VALUES (2)', { transactionId: tx });
    await h.execute('CREATE TABLE doomed (n int)', { transactionId: tx });
    expect(await rollback(tx)).toMatchObject({ transactionStatus: 'Rollback Complete' });
    expect(await ids()).toEqual([1]);
    expect((await h.db.sql(`SELECT to_regclass('doomed') AS t`)).rows[0].t).toBeNull();
  });

  it('forgets a committed transaction: a later call gets TransactionNotFoundException (404)', async () => {
    const tx = await begin();
    await commit(tx);
    const err = await h.failure(h.execute('SELECT 1', { transactionId: tx }));
    expect(err.name).toBe('TransactionNotFoundException');
    expect(err.$metadata?.httpStatusCode).toBe(404);
    expect(err.message).toContain('One previous call resulted in a termination of your transaction');
    const unknown = await h.failure(commit('bm90LWEtdHJhbnNhY3Rpb24='));
    expect(unknown.name).toBe('TransactionNotFoundException');
  });

  it('rolls back a transaction idle past the timeout; later calls get TransactionNotFoundException', async () => {
    const tx = await begin();
    await h.execute('INSERT INTO items VALUES (3)', { transactionId: tx });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const err = await h.failure(h.execute('SELECT 1', { transactionId: tx }));
    expect(err.name).toBe('TransactionNotFoundException');
    expect(err.message).toContain('Transaction may be expired');
    expect(await ids()).toEqual([1]);
  });

  it('keeps a transaction alive while calls keep coming within the idle timeout', async () => {
    const tx = await begin();
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await h.execute('SELECT 1', { transactionId: tx });
    }
    await commit(tx);
  });

  it('refuses a second call while the transaction is still running a query', async () => {
    const tx = await begin();
    const slow = h.execute('SELECT pg_sleep(0.5) AS busy_marker', { transactionId: tx });
    await untilRunning(h.db, 'busy_marker');
    const busy = await h.failure(h.execute('SELECT 1', { transactionId: tx }));
    expect(busy.name).toBe('DatabaseErrorException');
    expect(busy.message).toBe('Transaction is still running a query');
    const busyCommit = await h.failure(commit(tx));
    expect(busyCommit.message).toBe('Transaction is still running a query');
    await slow;
    await commit(tx);
  });

  it('ends a transaction when a call in it fails: its work is rolled back and the id is gone', async () => {
    const tx = await begin();
    await h.execute('INSERT INTO items VALUES (4)', { transactionId: tx });
    const err = await h.failure(h.execute('INSERT INTO items VALUES (1)', { transactionId: tx }));
    expect(err.message).toContain('SQLState: 23505');
    const after = await h.failure(commit(tx));
    expect(after.name).toBe('TransactionNotFoundException');
    expect(after.message).toContain('aborted due to an error from a previous call');
    expect(await ids()).toEqual([1]);
  });

  it('reports a COMMIT that PostgreSQL refuses (deferred constraint) as DatabaseErrorException', async () => {
    await h.db.sql('CREATE TABLE deferred (id int, CONSTRAINT u UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)');
    const tx = await begin();
    await h.execute('INSERT INTO deferred VALUES (1), (1)', { transactionId: tx });
    const err = await h.failure(commit(tx));
    expect(err.name).toBe('DatabaseErrorException');
    expect(err.message).toContain('SQLState: 23505');
    expect((await h.db.sql('SELECT count(*)::int AS n FROM deferred')).rows[0].n).toBe(0);
  });
});

describe('BatchExecuteStatement', () => {
  const batch = (sql: string, values: number[], transactionId?: string) =>
    h.client.send(
      new BatchExecuteStatementCommand({
        ...h.target,
        sql,
        parameterSets: values.map((v) => [{ name: 'id', value: { longValue: v } }]),
        ...(transactionId ? { transactionId } : {}),
      }),
    );

  it('runs the statement once per parameter set and returns one update result each', async () => {
    const result = await batch('INSERT INTO items VALUES (:id)', [10, 11, 12]);
    expect(result.updateResults).toEqual([{ generatedFields: [] }, { generatedFields: [] }, { generatedFields: [] }]);
    expect(await ids()).toEqual([1, 10, 11, 12]);
  });

  it('is atomic outside a transaction: a failing set leaves no rows from the others', async () => {
    const err = await h.failure(batch('INSERT INTO items VALUES (:id)', [20, 21, 10]));
    expect(err.message).toContain('SQLState: 23505');
    expect(await ids()).toEqual([1, 10, 11, 12]);
  });

  it('runs inside a transaction when given its id', async () => {
    const tx = await begin();
    await batch('INSERT INTO items VALUES (:id)', [30, 31], tx);
    expect(await ids()).toEqual([1, 10, 11, 12]);
    await rollback(tx);
    expect(await ids()).toEqual([1, 10, 11, 12]);
  });
});
