/**
 * Transient failures through the real SDK client and the local Data API: a Serverless v2 cluster
 * resuming from 0 ACU, 503s, and answers lost after the database ran the call. Whatever fails, every
 * migration must end up applied exactly once: its statements run once, one schema history row.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { DriverError } from '../../lambda/driver/errors';
import { migrate } from '../../lambda/engine/commands/migrate';
import { rollback } from '../../lambda/engine/commands/rollback';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';
import { captureLog } from './support/capture-log';
import { FaultDriver } from './support/fault-driver';

let db: TestDatabase;
let api: LocalDataApi;
let client: RDSDataClient;
let driver: DataApiDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_transient');
  // A transaction left open by a failed CommitTransaction is rolled back by the service after 3 min
  // of idling; here after 300 ms.
  api = await startLocalDataApi({ postgresUrl: db.url, transactionIdleTimeoutMs: 300 });
  client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
});
afterEach(async () => {
  api.faults = undefined;
  await driver.close();
  client.destroy();
  await api.close();
  await db.drop();
});

const bundle = buildBundle(
  [
    { version: '1', name: 'create_ledger', up: ['CREATE TABLE ledger (id int PRIMARY KEY, amount int NOT NULL)', 'INSERT INTO ledger VALUES (1, 10)'], down: ['DROP TABLE ledger'] },
    { version: '2', name: 'add_note', up: ['ALTER TABLE ledger ADD COLUMN note text', "INSERT INTO ledger VALUES (2, 20, 'second')"], down: ['DELETE FROM ledger WHERE id = 2', 'ALTER TABLE ledger DROP COLUMN note'] },
    {
      version: '3',
      name: 'index_ledger',
      up: ['CREATE INDEX CONCURRENTLY ledger_amount_idx ON ledger (amount)', 'CREATE INDEX CONCURRENTLY ledger_note_idx ON ledger (note)'],
      down: ['DROP INDEX CONCURRENTLY IF EXISTS ledger_note_idx', 'DROP INDEX CONCURRENTLY IF EXISTS ledger_amount_idx'],
    },
  ],
  [{ name: 'ledger_total', up: ['CREATE OR REPLACE VIEW ledger_total AS SELECT sum(amount) AS total FROM ledger'] }],
);

/** Quick backoffs for tests (the defaults wait seconds). */
const transientRetry = { retries: 8, baseDelayMs: 10, maxDelayMs: 50 };

/** The database as migrate must leave it, whatever failed on the way. */
async function expectAppliedExactlyOnce(): Promise<void> {
  expect((await db.sql('SELECT id, amount, note FROM ledger ORDER BY id')).rows).toEqual([
    { id: 1, amount: 10, note: null },
    { id: 2, amount: 20, note: 'second' },
  ]);
  const indexes = await db.sql("SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE 'ledger_%idx' ORDER BY 1");
  expect(indexes.rows).toEqual([
    { relname: 'ledger_amount_idx', indisvalid: true },
    { relname: 'ledger_note_idx', indisvalid: true },
  ]);
  expect((await db.sql('SELECT total::int FROM ledger_total')).rows).toEqual([{ total: 30 }]);
  const history = await db.sql('SELECT version, name, type, success, statements_applied FROM rds_migrate.schema_history ORDER BY installed_rank');
  expect(history.rows).toEqual([
    { version: '1', name: 'create_ledger', type: 'sql', success: true, statements_applied: 2 },
    { version: '2', name: 'add_note', type: 'sql', success: true, statements_applied: 2 },
    { version: '3', name: 'index_ledger', type: 'sql', success: true, statements_applied: 2 },
    { version: '', name: 'ledger_total', type: 'repeatable', success: true, statements_applied: 1 },
  ]);
  // Nothing left open or locked.
  expect((await db.sql("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'")).rows[0].n).toBe(0);
  expect((await db.sql('SELECT count(*)::int AS n FROM rds_migrate.lock')).rows[0].n).toBe(0);
}

describe('transient failures', () => {
  it('waits for a cluster resuming from 0 ACU (DatabaseResumingException on the first calls)', async () => {
    api.faults = ({ call }) => (call <= 5 ? { error: { name: 'DatabaseResumingException', message: 'The database is resuming after being auto-paused.' } } : undefined);
    const log = captureLog();
    const report = await migrate(driver, bundle, { appliedBy: 't', log, transientRetry });
    expect(report.applied.map((a) => a.version)).toEqual(['1', '2', '3']);
    expect(report.repeatables.map((r) => r.name)).toEqual(['ledger_total']);
    expect(log.lines.filter((l) => l.message === 'transient error, retrying')).toHaveLength(5);
    await expectAppliedExactlyOnce();
  });

  describe.each([
    ['folded into one DO block call each', true],
    ['as transactions', false],
  ])('with migrations %s', (_how, foldTransactions) => {
    it('retries 503s on any call: BeginTransaction, statements, CommitTransaction, writes outside transactions', async () => {
      const faulted: string[] = [];
      // After the first 4 calls (the schema history checked and created, the lock taken, the history
      // read): every 6th ExecuteStatement, every 3rd BeginTransaction and every 3rd CommitTransaction.
      const every: Record<string, number> = { ExecuteStatement: 6, BeginTransaction: 3, CommitTransaction: 3 };
      const seen: Record<string, number> = {};
      api.faults = ({ call, operation }) => {
        seen[operation] = (seen[operation] ?? 0) + 1;
        if (call <= 4 || seen[operation] % (every[operation] ?? Infinity) !== 0) return undefined;
        faulted.push(operation);
        return { error: { name: 'ServiceUnavailableError', status: 503, message: 'Service unavailable' } };
      };
      const log = captureLog();
      // The engine lets a transaction whose commit failed end on its own first (the local Data API's
      // connections are not prepared for pg_terminate_backend; see commit-check.test.ts).
      await migrate(driver, bundle, { appliedBy: 't', log, foldTransactions, transientRetry: { ...transientRetry, abandonedTransactionGraceMs: 5000 } });
      expect(new Set(faulted)).toEqual(new Set(foldTransactions ? ['ExecuteStatement'] : ['ExecuteStatement', 'BeginTransaction', 'CommitTransaction']));
      // A failed commit or write outside a transaction is not sent again: the history says what happened.
      expect(log.lines.some((l) => l.message === 're-planned from the schema history after an unknown outcome')).toBe(true);
      await expectAppliedExactlyOnce();
    });

    it('never runs a statement twice when answers are lost after the database ran the call', async () => {
      const faults = new FaultDriver(driver);
      let commits = 0;
      let writes = 0;
      // Lose the answer of every other commit, of every other folded migration, and of every other
      // schema history write sent on its own.
      faults.loseAnswer = (call) =>
        (call.kind === 'commit' && ++commits % 2 === 1) ||
        (call.kind === 'execute' && !call.inTransaction && /^DO |^(INSERT|UPDATE) [^\n]*schema_history/.test(call.sql) && ++writes % 2 === 1);
      const log = captureLog();
      const report = await migrate(faults, bundle, { appliedBy: 't', log, foldTransactions, transientRetry });
      expect(faults.lost).toBeGreaterThanOrEqual(3);
      expect(report.applied.map((a) => a.version)).toEqual(['1', '2', '3']);
      expect(report.repeatables.map((r) => r.name)).toEqual(['ledger_total']);
      await expectAppliedExactlyOnce();

      // Rollback too: version 2's undo commits, its answer is lost, and it is not run again.
      let undos = 0;
      faults.loseAnswer = (call) => (call.kind === 'commit' || /^DO /.test(call.sql)) && ++undos === 1;
      expect((await rollback(faults, bundle, { appliedBy: 't', targetVersion: '1', foldTransactions, transientRetry })).reverted.map((r) => r.version)).toEqual(['3', '2']);
      expect(faults.lost).toBeGreaterThanOrEqual(4);
      expect((await db.sql('SELECT id FROM ledger ORDER BY id')).rows).toEqual([{ id: 1 }]);
      const undo = await db.sql("SELECT version FROM rds_migrate.schema_history WHERE type = 'undo' ORDER BY installed_rank");
      expect(undo.rows).toEqual([{ version: '3' }, { version: '2' }]);
    });
  });

  it('gives up after the configured retries, and fails fast on errors that are not transient', async () => {
    api.faults = () => ({ error: { name: 'DatabaseResumingException' } });
    const error = await migrate(driver, bundle, { appliedBy: 't', transientRetry: { retries: 2, baseDelayMs: 5, maxDelayMs: 5 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DriverError);
    expect((error as DriverError).kind).toBe('resuming');
    expect(api.counters.calls).toBe(3);

    api.resetCounters();
    api.faults = () => ({ error: { name: 'AccessDeniedException', message: 'not authorized' } });
    const denied = await migrate(driver, bundle, { appliedBy: 't', transientRetry }).catch((e: unknown) => e);
    expect((denied as DriverError).kind).toBe('access-denied');
    expect(api.counters.calls).toBe(1);
  });
});
