/**
 * Batches of folded migrations (`plan/fold-batch.ts`, `run/batch.ts`): consecutive transactional
 * migrations sent in one call, each committed on its own with its schema history row; a failure
 * names its migration and statement and leaves the migrations before it applied.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Driver, ExecuteOptions, QueryResult, Row, SqlParams, Transaction } from '../../lambda/driver/driver';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { migrate } from '../../lambda/engine/commands/migrate';
import { plan } from '../../lambda/engine/commands/plan';
import { LockLostError, MigrationError } from '../../lambda/engine/errors';
import { batchFolded, batchLength, endsBatch } from '../../lambda/engine/plan/fold-batch';
import { MAX_FOLDED_CHARACTERS } from '../../lambda/engine/plan/fold';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';
import { captureLog } from './support/capture-log';
import { RecordingDriver } from './support/recording-driver';
import { openLocalDataApiDriver } from '../support/local-data-api-driver';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_fold_batch');
  driver = db.driver();
});
afterEach(() => db.drop());

const table = (version: string, name: string): MigrationSpec => ({ version, name: `create_${name}`, up: [`CREATE TABLE ${name} (id int PRIMARY KEY)`, `INSERT INTO ${name} VALUES (${version})`] });

/** The calls running migrations (not the bookkeeping's creation, also a DO block). */
const doCalls = (recording: RecordingDriver): string[] => recording.calls.filter((c) => /^DO \$rds_migrate(_batch)?\$/.test(c.sql)).map((c) => c.sql);

const history = async (): Promise<Array<{ version: string; success: boolean; statements_applied: number }>> =>
  (await db.sql('SELECT version, success, statements_applied FROM rds_migrate.schema_history ORDER BY installed_rank')).rows;

describe('batched migrations', () => {
  it('apply consecutive migrations in one call, each with its own schema history row and transaction', async () => {
    const recording = new RecordingDriver(driver);
    const bundle = buildBundle([table('1', 'a'), table('2', 'b'), table('3', 'c'), table('4', 'd')]);
    const report = await migrate(recording, bundle, { appliedBy: 't' });
    expect(report.applied.map((o) => [o.version, o.statements])).toEqual([['1', 2], ['2', 2], ['3', 2], ['4', 2]]);
    expect(doCalls(recording)).toHaveLength(1);
    expect(doCalls(recording)[0]).toMatch(/^DO \$rds_migrate_batch\$/);
    expect(await history()).toEqual(['1', '2', '3', '4'].map((version) => ({ version, success: true, statements_applied: 2 })));
    // One transaction per migration: each row was written by a transaction of its own.
    const xmins = await db.sql('SELECT count(DISTINCT xmin::text)::int AS n FROM rds_migrate.schema_history');
    expect(xmins.rows[0].n).toBe(4);
    expect((await db.sql('SELECT (SELECT id FROM a) + (SELECT id FROM d) AS sum')).rows[0].sum).toBe(5);
  });

  it('stop at a failing migration: name it, its file, line and SQLSTATE; the ones before stay applied, nothing of it or after', async () => {
    const failing: MigrationSpec = { version: '3', name: 'bad_insert', up: ['CREATE TABLE c (id int PRIMARY KEY)', 'INSERT INTO c VALUES (1)', 'INSERT INTO c VALUES (1)'] };
    const recording = new RecordingDriver(driver);
    const error = await migrate(recording, buildBundle([table('1', 'a'), table('2', 'b'), failing, table('4', 'd')]), { appliedBy: 't' }).catch((e: unknown) => e);
    expect(doCalls(recording)).toHaveLength(1);
    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect([e.version, e.file, e.line, e.statement, e.sqlState, e.attempts]).toEqual(['3', '3_bad_insert/up.sql', 3, 3, '23505', 1]);
    expect(e.databaseMessage).toBe('duplicate key value violates unique constraint "c_pkey"');
    expect((e.cause as { detail?: string }).detail).toBe('Key (id)=(1) already exists.');
    expect(e.completed).toEqual(['1', '2']);
    expect(await history()).toEqual([
      { version: '1', success: true, statements_applied: 2 },
      { version: '2', success: true, statements_applied: 2 },
    ]);
    const left = await db.sql("SELECT to_regclass('b') IS NOT NULL AS b, to_regclass('c') IS NULL AS no_c, to_regclass('d') IS NULL AS no_d");
    expect(left.rows[0]).toEqual({ b: true, no_c: true, no_d: true });
  });

  it('retry a migration that hit a lock timeout on its own, then go on', async () => {
    await db.sql('CREATE TABLE busy (id int)');
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE busy IN ACCESS EXCLUSIVE MODE');
    const release = setTimeout(() => void blocker.query('COMMIT'), 800);
    try {
      const alter: MigrationSpec = { version: '2', name: 'alter_busy', up: ['ALTER TABLE busy ADD COLUMN note text'] };
      const recording = new RecordingDriver(driver);
      const log = captureLog();
      const report = await migrate(recording, buildBundle([table('1', 'a'), alter, table('3', 'c'), table('4', 'd')]), {
        appliedBy: 't',
        log,
        lockTimeoutMs: 200,
        retry: { retries: 10, baseDelayMs: 200, maxDelayMs: 400 },
      });
      expect(report.applied.map((o) => o.version)).toEqual(['1', '2', '3', '4']);
      const retries = log.lines.filter((l) => l.message === 'lock timeout, retrying');
      expect(retries.length).toBeGreaterThan(0);
      expect(retries.every((l) => l.extra?.version === '2')).toBe(true);
      const calls = doCalls(recording);
      // The batch of four, then 2 alone until it gets its lock, then 3 and 4 together again.
      expect(calls[0]).toMatch(/^DO \$rds_migrate_batch\$/);
      expect(calls[calls.length - 1]).toMatch(/^DO \$rds_migrate_batch\$/);
      expect(calls.slice(1, -1).every((sql) => sql.startsWith('DO $rds_migrate$'))).toBe(true);
      expect((await history()).map((r) => r.version)).toEqual(['1', '2', '3', '4']);
    } finally {
      clearTimeout(release);
      await blocker.end();
    }
  });

  it('stop before a migration once the run\'s time budget is used up, as one call each would', async () => {
    const slow: MigrationSpec = { version: '1', name: 'slow', up: ['CREATE TABLE a (id int)', 'SELECT pg_sleep(0.8)'] };
    const recording = new RecordingDriver(driver);
    const log = captureLog();
    const bundle = buildBundle([slow, table('2', 'b'), table('3', 'c')]);
    // 400 ms to spend: 1 starts in time and runs past it; 2 must not start.
    let endsAt = 0;
    const report = await migrate(recording, bundle, {
      appliedBy: 't',
      log,
      timeBudget: { remainingTimeMs: () => endsAt - Date.now(), reserveMs: 0 },
      beforeApply: async () => void (endsAt = Date.now() + 400),
    });
    expect(doCalls(recording)).toHaveLength(1);
    expect(doCalls(recording)[0]).toContain('rds_migrate_deadline timestamptz := statement_timestamp() + interval');
    expect(report.applied.map((o) => o.version)).toEqual(['1']);
    expect(report.stopped).toEqual({ reason: 'time-budget', version: '2', name: 'create_b', inProgress: false });
    expect((await history()).map((r) => r.version)).toEqual(['1']);
    expect((await db.sql("SELECT to_regclass('b') IS NULL AS no_b")).rows[0].no_b).toBe(true);
    // The next run goes on from there.
    const next = await migrate(recording, bundle, { appliedBy: 't' });
    expect(next.applied.map((o) => o.version)).toEqual(['2', '3']);
  });

  it('do not carry session settings from one migration to the next', async () => {
    const elsewhere: MigrationSpec = { version: '1', name: 'elsewhere', up: ['CREATE SCHEMA elsewhere', 'SET search_path = elsewhere', 'CREATE TABLE first_table (id int)'] };
    const next: MigrationSpec = { version: '2', name: 'unqualified', up: ['CREATE TABLE second_table (id int)'] };
    const recording = new RecordingDriver(driver);
    await migrate(recording, buildBundle([elsewhere, next]), { appliedBy: 't' });
    expect(doCalls(recording)).toHaveLength(1);
    const where = await db.sql("SELECT to_regclass('elsewhere.first_table') IS NOT NULL AS first, to_regclass('public.second_table') IS NOT NULL AS second");
    expect(where.rows[0]).toEqual({ first: true, second: true });
  });

  it('end at a migration that may leave session state behind (a temporary table)', async () => {
    const temp: MigrationSpec = { version: '2', name: 'with_temp', up: ['CREATE TEMP TABLE scratch AS SELECT 1 AS one', 'CREATE TABLE b AS SELECT one AS id FROM scratch'] };
    const bundle = buildBundle([table('1', 'a'), temp, table('3', 'c'), table('4', 'd')]);
    const planned = await plan(driver, bundle, { appliedBy: 't' });
    const folded = planned.migrations.map((m) => m.steps[0]!.folded!);
    expect(folded.map(endsBatch)).toEqual([false, true, false, false]);
    expect(batchLength(folded)).toBe(2);
    const recording = new RecordingDriver(driver);
    await migrate(recording, bundle, { appliedBy: 't' });
    expect(doCalls(recording).map((sql) => sql.slice(0, 24))).toEqual(['DO $rds_migrate_batch$\nD', 'DO $rds_migrate_batch$\nD']);
    expect((await history()).map((r) => r.version)).toEqual(['1', '2', '3', '4']);
  });

  it('fit the Data API limit of one SQL string', async () => {
    const wide = Array.from({ length: 60 }, (_, i) => table(String(i + 1), `t${i + 1}_${'x'.repeat(40)}`));
    const planned = await plan(driver, buildBundle(wide), { appliedBy: 't' });
    const folded = planned.migrations.map((m) => m.steps[0]!.folded!);
    const first = batchLength(folded);
    expect(first).toBeGreaterThan(1);
    expect(first).toBeLessThan(60);
    const sql = batchFolded(folded.slice(0, first), '00000000-0000-0000-0000-000000000000')!;
    expect(sql.length).toBeLessThanOrEqual(MAX_FOLDED_CHARACTERS);
    expect(batchFolded(folded, '00000000-0000-0000-0000-000000000000')).toBeUndefined();
    const recording = new RecordingDriver(driver);
    await migrate(recording, buildBundle(wide), { appliedBy: 't' });
    const calls = doCalls(recording);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(60 / (first - 1)));
    expect(calls.every((s) => s.startsWith('DO $rds_migrate_batch$') && s.length <= MAX_FOLDED_CHARACTERS)).toBe(true);
    expect((await history()).length).toBe(60);
  });

  it('refuse the commit of a migration whose lease check fails at COMMIT, found from the schema history', async () => {
    // A deferred trigger of the migration's own table runs at COMMIT before the lease check and makes
    // the lease look taken over (its change is rolled back with the migration): the COMMIT fails.
    const sabotage: MigrationSpec = {
      version: '2',
      name: 'sabotage',
      up: [
        'CREATE TABLE b (id int)',
        `CREATE FUNCTION steal_lease() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE rds_migrate.lock SET token = 'someone-else'; RETURN NULL; END $$`,
        'CREATE CONSTRAINT TRIGGER steal AFTER INSERT ON b DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION steal_lease()',
        'INSERT INTO b VALUES (1)',
      ],
    };
    const recording = new RecordingDriver(driver);
    const error = await migrate(recording, buildBundle([table('1', 'a'), sabotage, table('3', 'c')]), { appliedBy: 't' }).catch((e: unknown) => e);
    expect(doCalls(recording)).toHaveLength(1);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).version).toBe('2');
    expect((error as MigrationError).cause).toBeInstanceOf(LockLostError);
    expect((error as MigrationError).completed).toEqual(['1']);
    expect((await history()).map((r) => r.version)).toEqual(['1']);
    expect((await db.sql("SELECT to_regclass('b') IS NULL AS gone")).rows[0].gone).toBe(true);
  });

  it('fall back to one call per migration where a DO block cannot commit (SQLSTATE 2D000)', async () => {
    const log = captureLog();
    const recording = new RecordingDriver(new InTransactionDriver(driver));
    const report = await migrate(recording, buildBundle([table('1', 'a'), table('2', 'b'), table('3', 'c')]), { appliedBy: 't', log });
    expect(report.applied.map((o) => o.version)).toEqual(['1', '2', '3']);
    expect(doCalls(recording).map((sql) => sql.slice(0, 16))).toEqual(['DO $rds_migrate_', 'DO $rds_migrate$', 'DO $rds_migrate$', 'DO $rds_migrate$']);
    expect(doCalls(recording)[0]).toMatch(/^DO \$rds_migrate_batch\$/);
    expect(log.lines.some((l) => l.level === 'warn' && /cannot|does not let/.test(l.message))).toBe(true);
    expect((await history()).map((r) => r.version)).toEqual(['1', '2', '3']);
  });

  it('are sent one call each with batchMigrations false', async () => {
    const recording = new RecordingDriver(driver);
    await migrate(recording, buildBundle([table('1', 'a'), table('2', 'b')]), { appliedBy: 't', batchMigrations: false });
    expect(doCalls(recording).map((sql) => sql.slice(0, 16))).toEqual(['DO $rds_migrate$', 'DO $rds_migrate$']);
  });

  it('whose answer is lost after it ran: re-planned from the schema history, each migration applied once and reported', async () => {
    const local = await openLocalDataApiDriver(db);
    const { api, driver: dataApi } = local;
    try {
      let dropped = 0;
      api.faults = ({ request }) => {
        const sql = (request as { sql?: string } | undefined)?.sql ?? '';
        if (!sql.startsWith('DO $rds_migrate_batch$') || dropped > 0) return undefined;
        dropped += 1;
        return { afterRun: { dropConnection: true } };
      };
      const log = captureLog();
      const report = await migrate(dataApi, buildBundle([table('1', 'a'), table('2', 'b'), table('3', 'c')]), {
        appliedBy: 't',
        log,
        transientRetry: { retries: 5, baseDelayMs: 10, maxDelayMs: 50 },
      });
      expect(dropped).toBe(1);
      expect(report.applied.map((o) => o.version)).toEqual(['1', '2', '3']);
      expect(log.lines.find((l) => l.message === 're-planned from the schema history after an unknown outcome')?.extra).toMatchObject({ batched: 3, applied: 3 });
      expect(await history()).toEqual(['1', '2', '3'].map((version) => ({ version, success: true, statements_applied: 2 })));
      expect((await db.sql('SELECT (SELECT count(*) FROM a) + (SELECT count(*) FROM b) + (SELECT count(*) FROM c) AS n')).rows[0].n).toBe('3');
    } finally {
      api.faults = undefined;
      await local.close();
    }
  });

  it('report a failing migration through the Data API as when sent alone', async () => {
    const local = await openLocalDataApiDriver(db);
    const { api, driver: dataApi } = local;
    try {
      const failing: MigrationSpec = { version: '2', name: 'bad_cast', up: ['CREATE TABLE b (id int)', "INSERT INTO b VALUES ('x')"] };
      api.resetCounters();
      const error = await migrate(dataApi, buildBundle([table('1', 'a'), failing, table('3', 'c')]), { appliedBy: 't' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      const e = error as MigrationError;
      expect([e.version, e.file, e.line, e.sqlState, e.completed]).toEqual(['2', '2_bad_cast/up.sql', 2, '22P02', ['1']]);
      expect(e.databaseMessage).toMatch(/^invalid input syntax for type integer/);
      expect((await history()).map((r) => r.version)).toEqual(['1']);
    } finally {
      await local.close();
    }
  });
});

/**
 * A driver whose autocommit calls run inside a transaction block, as behind a server or pooler that
 * wraps each call in one: PostgreSQL then refuses COMMIT in a DO block with SQLSTATE 2D000.
 */
class InTransactionDriver implements Driver {
  constructor(private readonly inner: Driver) {}
  get kind() {
    return this.inner.kind;
  }
  get database() {
    return this.inner.database;
  }
  async execute<R extends Row = Row>(sql: string, params?: SqlParams, options?: ExecuteOptions): Promise<QueryResult<R>> {
    const tx = await this.inner.beginTransaction();
    try {
      const result = await tx.execute<R>(sql, params, options);
      await tx.commit();
      return result;
    } catch (error) {
      await tx.rollback().catch(() => undefined);
      throw error;
    }
  }
  beginTransaction(): Promise<Transaction> {
    return this.inner.beginTransaction();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
