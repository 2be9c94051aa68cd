/**
 * Folded steps (`plan/fold.ts`): a transactional migration sent as one DO block call behaves as it
 * would as a transaction: atomic, statements in order seeing each other, errors naming the statement.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { plan } from '../../lambda/engine/commands/plan';
import { MigrationError } from '../../lambda/engine/errors';
import { sqlLiteral } from '../../lambda/engine/plan/fold';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';
import { RecordingDriver } from './support/recording-driver';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_fold');
  driver = db.driver();
});
afterEach(() => db.drop());

const create: MigrationSpec = { version: '1', name: 'create_customer', up: ['CREATE TABLE customer (id int PRIMARY KEY, email text NOT NULL)', "INSERT INTO customer VALUES (1, 'a@example.com')"] };

describe('folded migrations', () => {
  it('name the failing statement with its line, SQLSTATE and detail, and leave nothing applied', async () => {
    const failing: MigrationSpec = {
      version: '2',
      name: 'add_orders',
      up: ['CREATE TABLE customer_order (id int PRIMARY KEY, customer_id int REFERENCES customer (id))', 'INSERT INTO customer_order VALUES (1, 1)', 'INSERT INTO customer VALUES (1, \'dup@example.com\')'],
    };
    const recording = new RecordingDriver(driver);
    // One call each (sent together, they fail the same way: `fold-batch.test.ts`).
    const error = await migrate(recording, buildBundle([create, failing]), { appliedBy: 't', batchMigrations: false }).catch((e: unknown) => e);
    expect(recording.calls.filter((c) => c.sql.startsWith('DO $rds_migrate$')).length).toBe(2);
    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect([e.version, e.file, e.line, e.statement, e.sqlState]).toEqual(['2', '2_add_orders/up.sql', 3, 3, '23505']);
    expect(e.databaseMessage).toBe('duplicate key value violates unique constraint "customer_pkey"');
    expect((e.cause as { detail?: string }).detail).toBe('Key (id)=(1) already exists.');
    expect(e.message).toContain('nothing of 2 was applied');
    expect((await db.sql("SELECT to_regclass('customer_order') IS NULL AS gone")).rows[0].gone).toBe(true);
    expect((await db.sql("SELECT count(*)::int AS n FROM rds_migrate.schema_history WHERE version = '2'")).rows[0].n).toBe(0);
  });

  it('carry function bodies, dollar quotes, settings and literal values through unchanged', async () => {
    const tricky: MigrationSpec = {
      version: '2',
      name: 'tricky_text',
      up: [
        'CREATE SCHEMA billing',
        // A setting for the rest of the migration, as in a transaction.
        'SET LOCAL search_path = billing, public',
        'CREATE TABLE note (id int PRIMARY KEY, body text)',
        "CREATE FUNCTION shout(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT upper(t) || '!' $$",
        "INSERT INTO note VALUES (1, 'it''s $rds_migrate$ and $rds_migrate_1$ and $$'), (2, shout('hi'))",
      ],
    };
    const appliedBy = "O'Brien \\ ops";
    const p = await plan(driver, buildBundle([create, tricky]), { appliedBy });
    expect(p.migrations.every((m) => m.steps.every((s) => s.transaction && s.folded))).toBe(true);
    await migrate(driver, buildBundle([create, tricky]), { appliedBy });
    expect((await db.sql('SELECT id, body FROM billing.note ORDER BY id')).rows).toEqual([
      { id: 1, body: "it's $rds_migrate$ and $rds_migrate_1$ and $$" },
      { id: 2, body: 'HI!' },
    ]);
    const rows = await db.sql('SELECT version, applied_by, statements_applied, execution_ms >= 0 AS timed FROM rds_migrate.schema_history ORDER BY installed_rank');
    expect(rows.rows).toEqual([
      { version: '1', applied_by: appliedBy, statements_applied: 2, timed: true },
      { version: '2', applied_by: appliedBy, statements_applied: 5, timed: true },
    ]);
  });

  it('are not folded with a statement_timeout, statements PL/pgSQL cannot EXECUTE, or when switched off', async () => {
    const selectInto: MigrationSpec = { version: '2', name: 'archive', up: ['SELECT * INTO customer_archive FROM customer'] };
    const bundle = buildBundle([create, selectInto]);
    const folded = async (options: object) => (await plan(driver, bundle, { appliedBy: 't', ...options })).migrations.map((m) => Boolean(m.steps[0]!.folded));
    expect(await folded({})).toEqual([true, false]);
    expect(await folded({ statementTimeoutMs: 60_000 })).toEqual([false, false]);
    expect(await folded({ foldTransactions: false })).toEqual([false, false]);
    await migrate(driver, bundle, { appliedBy: 't' });
    expect((await db.sql('SELECT count(*)::int AS n FROM customer_archive')).rows[0].n).toBe(1);
  });

  it('write runtime values as literals that mean the same whatever standard_conforming_strings says', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(sqlLiteral("O'Brien \\ ops")).toBe("E'O''Brien \\\\ ops'");
  });
});
