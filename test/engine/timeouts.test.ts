import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { MigrationError } from '../../lambda/engine/errors';
import { backoffDelayMs } from '../../lambda/engine/run/retry';
import { timeoutSettings } from '../../lambda/engine/run/timeouts';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';
import { captureLog } from './support/capture-log';
import { RecordingDriver } from './support/recording-driver';

let db: TestDatabase;
let driver: PgDriver;
let holder: pg.Client;

const create = { version: '1', name: 'create_logbook', up: ['CREATE TABLE logbook_entry (id bigint PRIMARY KEY, status text)'] };
const alter = { version: '2', name: 'add_retry_count', up: ['ALTER TABLE logbook_entry ADD COLUMN retry_count int NOT NULL DEFAULT 0'] };

async function hasRetryCount(): Promise<boolean> {
  const { rows } = await db.sql("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'logbook_entry' AND column_name = 'retry_count'");
  return rows[0].n === 1;
}

describe('lock_timeout and retries', () => {
  beforeEach(async () => {
    db = await createTestDatabase('engine_timeouts');
    driver = db.driver();
    await migrate(driver, buildBundle([create]), { appliedBy: 't' });
    // A second session, as the application would be, holding a conflicting lock.
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE logbook_entry IN ACCESS SHARE MODE');
  });
  afterEach(async () => {
    await holder.end();
    await db.drop();
  });

  it('gives up after the configured retries with SQLSTATE 55P03, leaving nothing applied', async () => {
    const log = captureLog();
    const recorded = new RecordingDriver(driver);
    const error = await migrate(recorded, buildBundle([create, alter]), {
      appliedBy: 't',
      log,
      lockTimeoutMs: 100,
      retry: { retries: 2, baseDelayMs: 20, maxDelayMs: 40 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect(e.sqlState).toBe('55P03');
    expect(e.attempts).toBe(3);
    expect(e.version).toBe('2');
    expect(e.file).toBe('2_add_retry_count/up.sql');
    expect(e.message).toContain('after 3 attempts');
    expect(log.lines.filter((l) => l.message === 'lock timeout, retrying')).toHaveLength(2);
    // Each attempt ran with the 100 ms lock_timeout, not the default 5 s (wall time is not asserted:
    // numbers are measured by bench/, never timed in tests).
    const settings = recorded.calls.filter((c) => c.sql.includes("set_config('lock_timeout'"));
    expect(settings.length).toBeGreaterThanOrEqual(3);
    expect(settings.every((c) => c.sql.includes("set_config('lock_timeout', '100ms', true)"))).toBe(true);
    expect(await hasRetryCount()).toBe(false);
    expect((await db.sql("SELECT count(*)::int AS n FROM rds_migrate.schema_history WHERE version = '2'")).rows[0].n).toBe(0);
  });

  it('succeeds on a retry once the other session lets go of its lock', async () => {
    const log = captureLog();
    setTimeout(() => void holder.query('COMMIT'), 400);
    const report = await migrate(driver, buildBundle([create, alter]), {
      appliedBy: 't',
      log,
      lockTimeoutMs: 100,
      retry: { retries: 10, baseDelayMs: 100, maxDelayMs: 200 },
    });
    expect(report.applied.map((a) => a.version)).toEqual(['2']);
    expect(log.lines.filter((l) => l.message === 'lock timeout, retrying').length).toBeGreaterThanOrEqual(1);
    expect(await hasRetryCount()).toBe(true);
  });

  it('aborts a statement past statement_timeout (57014) without retrying it', async () => {
    await holder.query('COMMIT');
    const slow = { version: '2', name: 'slow_backfill', up: ['UPDATE logbook_entry SET status = status', 'SELECT pg_sleep(2)'] };
    const error = await migrate(driver, buildBundle([create, slow]), { appliedBy: 't', statementTimeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).sqlState).toBe('57014');
    expect((error as MigrationError).attempts).toBe(1);
    expect((error as MigrationError).statement).toBe(2);
  });
});

describe('backoff and settings', () => {
  it('doubles the delay per attempt with equal jitter, capped', () => {
    const opts = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, opts, 0)).toBe(50);
    expect(backoffDelayMs(1, opts, 0.999999)).toBe(100);
    expect(backoffDelayMs(3, opts, 0)).toBe(200);
    expect(backoffDelayMs(3, opts, 0.5)).toBe(300);
    expect(backoffDelayMs(10, opts, 0)).toBe(500);
    expect(backoffDelayMs(10, opts, 0.999999)).toBe(1000);
  });

  it('sets validated timeouts with set_config in the statement that opens the transaction', () => {
    expect(timeoutSettings().sql).toContain("set_config('lock_timeout', '5000ms', true)");
    expect(timeoutSettings().sql).not.toContain('statement_timeout');
    const both = timeoutSettings({ lockTimeoutMs: 0, statementTimeoutMs: 90_000 }).sql;
    expect(both).toContain("set_config('lock_timeout', '0ms', true)");
    expect(both).toContain("set_config('statement_timeout', '90000ms', true)");
    expect(() => timeoutSettings({ statementTimeoutMs: 1.5 })).toThrow(/statementTimeoutMs must be a whole number/);
  });
});
