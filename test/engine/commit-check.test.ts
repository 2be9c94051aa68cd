/**
 * The bookkeeping's commit-time guarantees on real PostgreSQL: the lease check at COMMIT, the upgrade
 * of a schema history created by an earlier engine, and settling a transaction whose commit was lost.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { unlock } from '../../lambda/engine/commands/unlock';
import { LockLostError, MigrationError } from '../../lambda/engine/errors';
import { ensureSchemaHistory } from '../../lambda/engine/history/ensure';
import { historyTables } from '../../lambda/engine/history/tables';
import { acquireLease, type Lease } from '../../lambda/engine/lock/lease';
import { settleTransaction } from '../../lambda/engine/run/outcome-unknown';
import { silentLog } from '../../lambda/observability/log';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_commit_check');
  driver = db.driver();
});
afterEach(() => db.drop());

describe('commit-time lease check', () => {
  it.each([
    ['folded into one call', true],
    ['as a transaction', false],
  ])('refuses to commit a migration whose lease was taken over while it ran (%s): nothing of it stays', async (_how, foldTransactions) => {
    const bundle = buildBundle([{ version: '1', name: 'slow_create', up: ['CREATE TABLE invoice_archive (id int)', 'SELECT pg_sleep(1)'] }]);
    let newRunner: Lease | undefined;
    // While the migration sleeps, an operator force-unlocks and another runner takes the lock.
    const takeover = (async () => {
      for (;;) {
        const { rows } = await db.sql("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND (query = 'SELECT pg_sleep(1)' OR query LIKE 'DO $rds_migrate$%') AND state = 'active'");
        if (rows[0].n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await unlock(driver);
      newRunner = await acquireLease(db.driver(), historyTables(), 'new-runner', silentLog);
    })();
    const error = await migrate(driver, bundle, { appliedBy: 'slow-runner', foldTransactions }).catch((e: unknown) => e);
    await takeover;
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).cause).toBeInstanceOf(LockLostError);
    expect((await db.sql("SELECT to_regclass('invoice_archive') IS NULL AS gone")).rows[0].gone).toBe(true);
    expect((await db.sql('SELECT count(*)::int AS n FROM rds_migrate.schema_history')).rows[0].n).toBe(0);
    expect((await db.sql('SELECT owner FROM rds_migrate.lock')).rows).toEqual([{ owner: 'new-runner' }]);
    await newRunner!.release();
  });

  it('lets a DBA edit the schema history by hand (no lease token set)', async () => {
    await migrate(driver, buildBundle([{ version: '1', name: 'one', up: ['CREATE TABLE one (id int)'] }]), { appliedBy: 't' });
    await db.sql("UPDATE rds_migrate.schema_history SET applied_by = 'dba' WHERE version = '1'");
    expect((await db.sql('SELECT applied_by FROM rds_migrate.schema_history')).rows).toEqual([{ applied_by: 'dba' }]);
  });
});

describe('bookkeeping upgrade', () => {
  it('brings a schema history created by an earlier engine up to date, keeping its rows', async () => {
    // The first engine's tables: type check without 'repeatable' and 'data', no progress table, no trigger.
    await db.sql(`CREATE SCHEMA rds_migrate;
CREATE TABLE rds_migrate.schema_history (
  installed_rank bigserial PRIMARY KEY, version text NOT NULL, name text NOT NULL,
  type text NOT NULL CHECK (type IN ('sql', 'baseline', 'undo')), checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(), execution_ms integer NOT NULL DEFAULT 0, applied_by text NOT NULL,
  success boolean NOT NULL, statements_applied integer NOT NULL DEFAULT 0, previous_checksum text, repaired_by text, repaired_at timestamptz);
CREATE TABLE rds_migrate.lock (id smallint PRIMARY KEY CHECK (id = 1), owner text NOT NULL, token text NOT NULL,
  acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL, heartbeat_at timestamptz NOT NULL);
CREATE TABLE one (id int);`);
    const first = buildBundle([{ version: '1', name: 'one', up: ['CREATE TABLE one (id int)'] }]);
    await db.sql(`INSERT INTO rds_migrate.schema_history (version, name, type, checksum, applied_by, success, statements_applied)
VALUES ('1', 'one', 'sql', '${first.migrations[0]!.checksum}', 'old-engine', true, 1)`);

    await ensureSchemaHistory(driver);
    const check = await db.sql("SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'schema_history_type_check'");
    expect(check.rows[0].def).toContain('repeatable');
    const triggers = await db.sql("SELECT tgname FROM pg_trigger WHERE tgname LIKE '%lease_at_commit' ORDER BY 1");
    expect(triggers.rows.map((r) => r.tgname)).toEqual(['backfill_progress_lease_at_commit', 'schema_history_lease_at_commit']);

    const bundle = buildBundle(
      [{ version: '1', name: 'one', up: ['CREATE TABLE one (id int)'] }, { version: '2', name: 'two', up: ['CREATE TABLE two (id int)'] }],
      [{ name: 'one_view', up: ['CREATE OR REPLACE VIEW one_view AS SELECT id FROM one'] }],
    );
    const report = await migrate(driver, bundle, { appliedBy: 'new-engine' });
    expect(report).toMatchObject({ applied: [{ version: '2' }], repeatables: [{ name: 'one_view' }], alreadyApplied: 1 });
    const rows = await db.sql('SELECT version, type, applied_by FROM rds_migrate.schema_history ORDER BY installed_rank');
    expect(rows.rows).toEqual([
      { version: '1', type: 'sql', applied_by: 'old-engine' },
      { version: '2', type: 'sql', applied_by: 'new-engine' },
      { version: '', type: 'repeatable', applied_by: 'new-engine' },
    ]);
  });
});

describe('settling a transaction whose commit was lost', () => {
  it('waits while its backend is busy, then terminates it once it sits idle in the transaction', async () => {
    const other = new pg.Client({ connectionString: db.url });
    // The engine terminates the backend: this session must expect that.
    other.on('error', () => undefined);
    await other.connect();
    await other.query('BEGIN');
    const { rows } = await other.query('SELECT pg_backend_pid() AS pid, transaction_timestamp()::text AS xact_start');
    await other.query('CREATE TABLE never_committed (id int)');
    const busy = other.query('SELECT pg_sleep(0.5)');
    const started = Date.now();
    await settleTransaction(driver, { pid: rows[0].pid, xactStart: rows[0].xact_start }, silentLog, { pollMs: 50 });
    await busy;
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    expect((await db.sql('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [rows[0].pid])).rows[0].n).toBe(0);
    expect((await db.sql("SELECT to_regclass('never_committed') IS NULL AS gone")).rows[0].gone).toBe(true);
    await other.end().catch(() => undefined);
  });

  it('leaves a committed transaction alone (its backend has moved on)', async () => {
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    await other.query('BEGIN');
    const { rows } = await other.query('SELECT pg_backend_pid() AS pid, transaction_timestamp()::text AS xact_start');
    await other.query('CREATE TABLE committed_one (id int)');
    await other.query('COMMIT');
    await other.query('BEGIN');
    await settleTransaction(driver, { pid: rows[0].pid, xactStart: rows[0].xact_start }, silentLog, { pollMs: 50 });
    // Same backend, another transaction: untouched.
    expect((await other.query('SELECT 1 AS alive')).rows).toEqual([{ alive: 1 }]);
    await other.query('COMMIT');
    await other.end();
  });
});
