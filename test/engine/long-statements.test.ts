/**
 * Statements that outlive their Data API call (the local Data API's statement wait is shortened to
 * 300 ms; the real one is 45 s): inside a migration's transaction the call ends with
 * StatementTimeoutException, the statement goes on, and the transaction answers "still running a
 * query" until it ends; outside a transaction it runs on in a pooled connection.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { migrate } from '../../lambda/engine/commands/migrate';
import { MigrationError } from '../../lambda/engine/errors';
import { LongStatementError } from '../../lambda/engine/run/long-statement';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';
import { captureLog } from './support/capture-log';

let db: TestDatabase;
let api: LocalDataApi;
let client: RDSDataClient;
let driver: DataApiDriver;
/** A separate history schema per test, so each starts from an empty schema history. */
let historySchema: string;
let n = 0;

beforeAll(async () => {
  db = await createTestDatabase('engine_long_statements');
  api = await startLocalDataApi({ postgresUrl: db.url, statementWaitMs: 300 });
  client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
});
afterAll(async () => {
  await driver.close();
  client.destroy();
  await api.close();
  await db.drop();
});
beforeEach(() => {
  n += 1;
  historySchema = `history_${n}`;
});

async function historyRows() {
  const { rows } = await db.sql(`SELECT version, success, execution_ms FROM ${historySchema}.schema_history ORDER BY installed_rank`);
  return rows;
}

async function exists(relation: string): Promise<boolean> {
  return (await db.sql('SELECT to_regclass($1) IS NOT NULL AS e', [relation])).rows[0].e;
}

describe('a statement past the Data API call wait, inside a migration transaction', () => {
  // Migrations sent as transactions (BeginTransaction, statements, CommitTransaction).
  const foldTransactions = false;

  it('is waited for, with progress logged, and the migration goes on in the same transaction', async () => {
    const log = captureLog();
    const bundle = buildBundle([
      { version: '1', name: 'slow_backfill', up: ['CREATE TABLE audit_trail (id int PRIMARY KEY)', 'SELECT pg_sleep(1.2)', 'INSERT INTO audit_trail VALUES (1)'] },
    ]);
    const report = await migrate(driver, bundle, { appliedBy: 't', historySchema, log, foldTransactions, longStatements: { pollMs: 100, progressLogMs: 300 } });
    expect(report.applied).toMatchObject([{ version: '1', statements: 3 }]);
    expect((await db.sql('SELECT id FROM audit_trail')).rows).toEqual([{ id: 1 }]);
    const [row] = await historyRows();
    expect(row).toMatchObject({ version: '1', success: true });
    // The commit-time check measured the transaction, sleep included.
    expect(row.execution_ms).toBeGreaterThanOrEqual(1200);
    const messages = log.lines.map((l) => l.message);
    expect(messages).toContain('statement outlived its Data API call, waiting for it');
    expect(messages).toContain('long statement finished');
    const progress = log.lines.find((l) => l.message === 'long statement still running');
    expect(progress?.extra).toMatchObject({ statement: '1_slow_backfill/up.sql line 2', state: 'active', pid: expect.any(Number) });
  });

  it('reports a statement that failed on the server after its call ended, leaving nothing applied', async () => {
    const bundle = buildBundle([
      {
        version: '1',
        name: 'late_failure',
        up: ['CREATE TABLE late_failure (id int)', "DO $$ BEGIN PERFORM pg_sleep(0.8); RAISE EXCEPTION 'late failure'; END $$"],
      },
    ]);
    const error = await migrate(driver, bundle, { appliedBy: 't', historySchema, foldTransactions, longStatements: { pollMs: 100 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect(e.cause).toBeInstanceOf(LongStatementError);
    expect([e.version, e.file, e.line, e.statementsLeftApplied]).toEqual(['1', '1_late_failure/up.sql', 2, 0]);
    expect(e.message).toContain('failed on the server after its Data API call ended');
    expect(await exists('late_failure')).toBe(false);
    expect(await historyRows()).toEqual([]);
  });

  it('cancels a statement still running after maxWaitMs and rolls its transaction back', async () => {
    const bundle = buildBundle([{ version: '1', name: 'too_slow', up: ['CREATE TABLE too_slow (id int)', 'SELECT pg_sleep(30)'] }]);
    const started = Date.now();
    const error = await migrate(driver, bundle, { appliedBy: 't', historySchema, foldTransactions, longStatements: { pollMs: 100, maxWaitMs: 600 } }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toMatch(/1_too_slow\/up\.sql line 2 was still running after 600 ms: it was cancelled, and its transaction rolled back/);
    expect(await exists('too_slow')).toBe(false);
    expect(await historyRows()).toEqual([]);
    const { rows } = await db.sql("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'");
    expect(rows[0].n).toBe(0);
  });
});

describe('a migration folded into one call, past the Data API call wait', () => {
  it('is waited for, and found applied in the schema history', async () => {
    const log = captureLog();
    const bundle = buildBundle([
      { version: '1', name: 'slow_folded', up: ['CREATE TABLE slow_folded (id int PRIMARY KEY)', 'SELECT pg_sleep(1.2)', 'INSERT INTO slow_folded VALUES (1)'] },
    ]);
    const report = await migrate(driver, bundle, { appliedBy: 't', historySchema, log, longStatements: { pollMs: 100, progressLogMs: 300 } });
    expect(report.applied).toMatchObject([{ version: '1', statements: 3 }]);
    expect((await db.sql('SELECT id FROM slow_folded')).rows).toEqual([{ id: 1 }]);
    const [row] = await historyRows();
    expect(row).toMatchObject({ version: '1', success: true });
    expect(row.execution_ms).toBeGreaterThanOrEqual(1200);
    const progress = log.lines.find((l) => l.message === 'long statement still running');
    expect(progress?.extra).toMatchObject({ statement: '1_slow_folded/up.sql (its 3 statement(s) in one call)', state: 'active', pid: expect.any(Number) });
  });

  it('reports a migration that failed after its call ended: nothing of it was committed', async () => {
    const bundle = buildBundle([
      { version: '1', name: 'late_folded', up: ['CREATE TABLE late_folded (id int)', "DO $$ BEGIN PERFORM pg_sleep(0.8); RAISE EXCEPTION 'late failure'; END $$"] },
    ]);
    const error = await migrate(driver, bundle, { appliedBy: 't', historySchema, longStatements: { pollMs: 100 } }).catch((e: unknown) => e);
    expect((error as MigrationError).cause).toBeInstanceOf(LongStatementError);
    expect((error as MigrationError).message).toContain('failed on the server after its Data API call ended');
    expect(await exists('late_folded')).toBe(false);
    expect(await historyRows()).toEqual([]);
  });

  it('cancels it past maxWaitMs', async () => {
    const bundle = buildBundle([{ version: '1', name: 'too_slow_folded', up: ['CREATE TABLE too_slow_folded (id int)', 'SELECT pg_sleep(30)'] }]);
    const started = Date.now();
    const error = await migrate(driver, bundle, { appliedBy: 't', historySchema, longStatements: { pollMs: 100, maxWaitMs: 600 } }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((error as MigrationError).message).toMatch(/was still running after 600 ms: it was cancelled \(nothing of it was committed\)/);
    expect(await exists('too_slow_folded')).toBe(false);
    expect(await historyRows()).toEqual([]);
    const { rows } = await db.sql("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND (query LIKE 'SELECT pg_sleep(30)%' OR query LIKE 'DO $rds_migrate$%') AND state = 'active'");
    expect(rows[0].n).toBe(0);
  });
});

describe('a batch of migrations sent in one call, past the Data API call wait', () => {
  it('is waited for, and every migration of it found applied in the schema history', async () => {
    const bundle = buildBundle([
      { version: '1', name: 'quick_one', up: ['CREATE TABLE quick_one (id int)'] },
      { version: '2', name: 'slow_two', up: ['CREATE TABLE slow_two (id int)', 'SELECT pg_sleep(1.2)'] },
      { version: '3', name: 'quick_three', up: ['CREATE TABLE quick_three (id int)'] },
    ]);
    const report = await migrate(driver, bundle, { appliedBy: 't', historySchema, longStatements: { pollMs: 100 } });
    expect(report.applied.map((o) => o.version)).toEqual(['1', '2', '3']);
    expect((await historyRows()).map((r) => [r.version, r.success])).toEqual([['1', true], ['2', true], ['3', true]]);
    expect(await exists('quick_three')).toBe(true);
  });

  it('reports a migration that failed after the call ended: the ones before it stay applied, nothing of it or after', async () => {
    const bundle = buildBundle([
      { version: '1', name: 'kept', up: ['CREATE TABLE kept (id int)'] },
      { version: '2', name: 'late_batched', up: ['CREATE TABLE late_batched (id int)', "DO $$ BEGIN PERFORM pg_sleep(0.8); RAISE EXCEPTION 'late failure'; END $$"] },
      { version: '3', name: 'never', up: ['CREATE TABLE never (id int)'] },
    ]);
    const error = await migrate(driver, bundle, { appliedBy: 't', historySchema, longStatements: { pollMs: 100 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).version).toBe('2');
    expect((error as MigrationError).cause).toBeInstanceOf(LongStatementError);
    expect((error as MigrationError).message).toContain('failed on the server after its Data API call ended');
    expect((error as MigrationError).completed).toEqual(['1']);
    expect((await historyRows()).map((r) => r.version)).toEqual(['1']);
    expect([await exists('kept'), await exists('late_batched'), await exists('never')]).toEqual([true, false, false]);
  });
});

describe('a statement past the Data API call wait, outside a transaction', () => {
  it('waits for a DROP INDEX CONCURRENTLY to finish on the server and checks the index is gone', async () => {
    await db.sql('CREATE TABLE rotation (id bigint PRIMARY KEY, pg_id text); CREATE INDEX rotation_pg_idx ON rotation (pg_id)');
    // An application transaction that used the table: DROP INDEX CONCURRENTLY waits for it to end.
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query("INSERT INTO rotation VALUES (1, 'a')");
      const committed = (async () => {
        for (;;) {
          const { rows } = await db.sql("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'DROP INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'");
          if (rows[0].n > 0) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await new Promise((r) => setTimeout(r, 700));
        await app.query('COMMIT');
      })();
      const log = captureLog();
      const bundle = buildBundle([{ version: '1', name: 'drop_pg_index', up: ['DROP INDEX CONCURRENTLY rotation_pg_idx'] }]);
      const report = await migrate(driver, bundle, { appliedBy: 't', historySchema, log, longStatements: { pollMs: 100 } });
      await committed;
      expect(report.applied).toMatchObject([{ version: '1', statements: 1 }]);
      expect(await exists('rotation_pg_idx')).toBe(false);
      expect(await historyRows()).toMatchObject([{ version: '1', success: true }]);
      expect(log.lines.map((l) => l.message)).toContain('long statement finished');
    } finally {
      await app.end();
    }
  });
});
