/**
 * Per-migration directives (`-- rds-migrate: transaction=off lock_timeout=... statement_timeout=...
 * retries=...`) override the run's options for that migration only.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { plan } from '../../lambda/engine/commands/plan';
import { MigrationError } from '../../lambda/engine/errors';
import { compileMigrations } from '../../lambda/migrations/compile';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_directives');
  driver = db.driver();
});
afterEach(() => db.drop());

const create: MigrationSpec = { version: '1', name: 'create_invoice', up: ['CREATE TABLE invoice (id int PRIMARY KEY, total numeric)'] };

async function historyOf(version: string) {
  return (await db.sql('SELECT success, statements_applied FROM rds_migrate.schema_history WHERE version = $1 ORDER BY installed_rank', [version])).rows;
}

describe('directives', () => {
  it('lock_timeout and retries of one migration override the run options', async () => {
    await migrate(driver, buildBundle([create]), { appliedBy: 't' });
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query('LOCK TABLE invoice IN ACCESS SHARE MODE');
      const strict: MigrationSpec = {
        version: '2',
        name: 'add_currency',
        up: ["ALTER TABLE invoice ADD COLUMN currency text NOT NULL DEFAULT 'PLN'"],
        directives: { lockTimeoutMs: 100, retries: 1 },
      };
      const started = Date.now();
      // The run would wait 5 s per attempt and retry 3 times; the directive says 100 ms and once.
      const error = await migrate(driver, buildBundle([create, strict]), { appliedBy: 't', lockTimeoutMs: 5000, retry: { retries: 3, baseDelayMs: 10, maxDelayMs: 20 } }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(error).toBeInstanceOf(MigrationError);
      expect([(error as MigrationError).sqlState, (error as MigrationError).attempts]).toEqual(['55P03', 2]);
    } finally {
      await app.end();
    }
  });

  it('statement_timeout of one migration aborts its long statement (57014)', async () => {
    const slow: MigrationSpec = { version: '2', name: 'slow', up: ['SELECT pg_sleep(3)'], directives: { statementTimeoutMs: 200 } };
    const started = Date.now();
    const error = await migrate(driver, buildBundle([create, slow]), { appliedBy: 't' }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2500);
    expect((error as MigrationError).sqlState).toBe('57014');
    expect(await historyOf('1')).toEqual([{ success: true, statements_applied: 1 }]);
  });

  it('transaction=off runs statement by statement, each with its progress, and resumes at the failed one', async () => {
    const steps: MigrationSpec = {
      version: '2',
      name: 'backfill_in_steps',
      up: ['INSERT INTO invoice VALUES (1, 10), (2, 20)', 'INSERT INTO invoice VALUES (2, 99)', 'UPDATE invoice SET total = total * 2'],
      directives: { transaction: false },
    };
    const error = await migrate(driver, buildBundle([create, steps]), { appliedBy: 't' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect([(error as MigrationError).statement, (error as MigrationError).sqlState, (error as MigrationError).statementsLeftApplied]).toEqual([2, '23505', 1]);
    // The first statement stayed applied and is recorded.
    expect(await historyOf('2')).toEqual([{ success: false, statements_applied: 1 }]);
    expect((await db.sql('SELECT count(*)::int AS n FROM invoice')).rows[0].n).toBe(2);

    await db.sql('DELETE FROM invoice WHERE id = 2');
    const report = await migrate(driver, buildBundle([create, steps]), { appliedBy: 't' });
    expect(report.applied).toMatchObject([{ version: '2', statements: 2 }]);
    expect((await db.sql('SELECT id, total::int FROM invoice ORDER BY id')).rows).toEqual([
      { id: 1, total: 20 },
      { id: 2, total: 198 },
    ]);
    expect(await historyOf('2')).toEqual([{ success: true, statements_applied: 3 }]);
  });

  it('shows in the plan what the compiled directives set', async () => {
    const bundle = await compileMigrations('test/fixtures/migrations/formats/native');
    const withDirectives = bundle.migrations.find((m) => m.directives?.lockTimeoutMs !== undefined)!;
    expect(withDirectives.directives).toMatchObject({ lockTimeoutMs: 2000, statementTimeoutMs: 60_000, retries: 2 });
    const p = await plan(driver, bundle, { appliedBy: 't', lockTimeoutMs: 7000 });
    const planned = p.migrations.find((m) => m.version === withDirectives.version)!;
    expect(planned).toMatchObject({ timeouts: { lockTimeoutMs: 2000, statementTimeoutMs: 60_000 }, retries: 2 });
    // With a statement_timeout it is not folded (the timeout would bound the whole block).
    expect(planned.steps[0]!.folded).toBeUndefined();
    const opener = planned.steps[0]!.statements[0]!.sql;
    expect(opener).toContain("set_config('lock_timeout', '2000ms', true)");
    expect(opener).toContain("set_config('statement_timeout', '60000ms', true)");
    // The other migrations keep the run's options.
    const other = p.migrations.find((m) => m.version !== withDirectives.version && m.transactional)!;
    expect(other.steps[0]!.folded!.sql).toContain("set_config('lock_timeout', '7000ms', true)");
    expect(other.retries).toBeUndefined();
  });
});
