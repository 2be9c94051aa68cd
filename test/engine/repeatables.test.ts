/**
 * Repeatable migrations (Flyway `R__<description>.sql`): applied after the versioned migrations in the
 * bundle's order, each in its own transaction with a `repeatable` schema history row, and applied again
 * whenever their checksum differs from the one last applied.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { plan } from '../../lambda/engine/commands/plan';
import { status } from '../../lambda/engine/commands/status';
import { MigrationError } from '../../lambda/engine/errors';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec, type RepeatableSpec } from './support/bundle';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_repeatables');
  driver = db.driver();
});
afterEach(() => db.drop());

const versioned: MigrationSpec[] = [
  { version: '1', name: 'create_order', up: ['CREATE TABLE shop_order (id int PRIMARY KEY, total numeric NOT NULL, status text NOT NULL)'] },
  { version: '2', name: 'seed_orders', up: ["INSERT INTO shop_order VALUES (1, 10, 'paid'), (2, 5, 'open'), (3, 7, 'paid')"] },
];
const revenue: RepeatableSpec = { name: 'order_revenue', up: ["CREATE OR REPLACE VIEW order_revenue AS SELECT sum(total) AS revenue FROM shop_order WHERE status = 'paid'"] };
const grants: RepeatableSpec = { name: 'grant_reporting', up: ["DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_migrate_test_reporting') THEN CREATE ROLE rds_migrate_test_reporting; END IF; END $$", 'GRANT SELECT ON order_revenue TO rds_migrate_test_reporting'] };

async function repeatableRows() {
  return (await db.sql("SELECT name, checksum FROM rds_migrate.schema_history WHERE type = 'repeatable' ORDER BY installed_rank")).rows;
}

describe('repeatable migrations', () => {
  it('are planned and shown by status, and applied after the versioned migrations', async () => {
    // In the bundle's order (the compiler orders them; here grant_reporting needs order_revenue first).
    const ordered = buildBundle(versioned, [revenue, grants]);
    expect((await status(driver, ordered)).repeatables.map((r) => [r.name, r.state])).toEqual([
      ['order_revenue', 'pending'],
      ['grant_reporting', 'pending'],
    ]);
    const dryRun = await plan(driver, ordered, { appliedBy: 't' });
    expect(dryRun.repeatables.map((r) => [r.name, r.state, r.transactional, r.steps.length])).toEqual([
      ['order_revenue', 'pending', true, 1],
      ['grant_reporting', 'pending', true, 1],
    ]);
    expect(dryRun.repeatables[0]!.steps[0]!.statements[1]).toMatchObject({ role: 'history', params: { version: '', name: 'order_revenue', type: 'repeatable' } });

    const report = await migrate(driver, ordered, { appliedBy: 't' });
    expect(report.applied.map((a) => a.version)).toEqual(['1', '2']);
    expect(report.repeatables.map((r) => [r.version, r.name, r.statements])).toEqual([
      ['', 'order_revenue', 1],
      ['', 'grant_reporting', 2],
    ]);
    expect((await db.sql('SELECT revenue::int FROM order_revenue')).rows).toEqual([{ revenue: 17 }]);
    expect((await db.sql("SELECT has_table_privilege('rds_migrate_test_reporting', 'order_revenue', 'SELECT') AS granted")).rows).toEqual([{ granted: true }]);
    expect((await status(driver, ordered)).repeatables.map((r) => r.state)).toEqual(['applied', 'applied']);
    expect((await plan(driver, ordered, { appliedBy: 't' })).repeatables).toEqual([]);
  });

  it('are applied again when their checksum changes, and only then', async () => {
    await migrate(driver, buildBundle(versioned, [revenue, grants]), { appliedBy: 't' });
    const changed: RepeatableSpec = {
      name: 'order_revenue',
      up: ["CREATE OR REPLACE VIEW order_revenue AS SELECT sum(total) AS revenue FROM shop_order WHERE status IN ('paid', 'open')"],
    };
    const next = buildBundle(versioned, [changed, grants]);
    expect((await status(driver, next)).repeatables.map((r) => [r.name, r.state])).toEqual([
      ['order_revenue', 'outdated'],
      ['grant_reporting', 'applied'],
    ]);
    const report = await migrate(driver, next, { appliedBy: 't' });
    expect(report).toMatchObject({ applied: [], repeatables: [{ name: 'order_revenue' }] });
    expect((await db.sql('SELECT revenue::int FROM order_revenue')).rows).toEqual([{ revenue: 22 }]);
    const rows = await repeatableRows();
    expect(rows.map((r) => r.name)).toEqual(['order_revenue', 'grant_reporting', 'order_revenue']);
    expect(rows[2]!.checksum).toBe(next.repeatables![0]!.checksum);
    expect((await migrate(driver, next, { appliedBy: 't' })).repeatables).toEqual([]);
  });

  it('a failing one leaves nothing of itself; the versioned migrations before it stay applied', async () => {
    const broken: RepeatableSpec = { name: 'order_revenue', up: ['CREATE OR REPLACE VIEW order_revenue AS SELECT sum(totl) AS revenue FROM shop_order'] };
    const error = await migrate(driver, buildBundle(versioned, [broken]), { appliedBy: 't' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect([e.version, e.migrationName, e.file, e.line, e.sqlState]).toEqual(['', 'order_revenue', 'R__order_revenue.sql', 1, '42703']);
    expect(e.message).toMatch(/^Repeatable migration order_revenue failed at R__order_revenue\.sql line 1/);
    expect(e.completed).toEqual(['1', '2']);
    expect(await repeatableRows()).toEqual([]);
    expect((await status(driver, buildBundle(versioned, [broken]))).repeatables.map((r) => r.state)).toEqual(['pending']);
  });

  it('wait for a migrate that goes to the last version, and one removed from the bundle is only reported', async () => {
    const bundle = buildBundle(versioned, [revenue]);
    expect(await migrate(driver, bundle, { appliedBy: 't', targetVersion: '1' })).toMatchObject({ applied: [{ version: '1' }], repeatables: [] });
    expect((await migrate(driver, bundle, { appliedBy: 't' })).repeatables.map((r) => r.name)).toEqual(['order_revenue']);

    const without = buildBundle(versioned);
    expect((await status(driver, without)).repeatables).toMatchObject([{ name: 'order_revenue', state: 'missing' }]);
    expect(await migrate(driver, without, { appliedBy: 't' })).toMatchObject({ applied: [], repeatables: [] });
  });
});
