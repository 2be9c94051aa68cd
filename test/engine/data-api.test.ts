/**
 * The engine over the Data API: DataApiDriver → real SDK client → local Data API → PostgreSQL, with the
 * FaktuLove example compiled by the migrations compiler. No session state survives between calls there,
 * so this proves the lock lease, SET LOCAL timeouts and non-transactional runs need none.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKTULOVE_MIGRATIONS, loadFaktuLove } from '../../examples/faktulove/load-example';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { baseline } from '../../lambda/engine/commands/baseline';
import { migrate } from '../../lambda/engine/commands/migrate';
import { plan } from '../../lambda/engine/commands/plan';
import { rollback } from '../../lambda/engine/commands/rollback';
import { status } from '../../lambda/engine/commands/status';
import { LockHeldError, MigrationError } from '../../lambda/engine/errors';
import { historyTables } from '../../lambda/engine/history/tables';
import { acquireLease } from '../../lambda/engine/lock/lease';
import { silentLog } from '../../lambda/observability/log';
import { compileMigrations } from '../../lambda/migrations/compile';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { runVerification } from '../../lambda/verify/run-verification';
import { runVerifyScript } from '../../lambda/verify/verify-script';
import { startLocalDataApi, type LocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';

let db: TestDatabase;
let api: LocalDataApi;
let client: RDSDataClient;
let driver: DataApiDriver;
let bundle: MigrationBundle;

beforeAll(async () => {
  db = await createTestDatabase('engine_data_api');
  await loadFaktuLove(db.url);
  api = await startLocalDataApi({ postgresUrl: db.url });
  client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
  driver = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
  bundle = await compileMigrations(FAKTULOVE_MIGRATIONS);
});
afterAll(async () => {
  await driver.close();
  client.destroy();
  await api.close();
  await db.drop();
});

describe('engine over the Data API (FaktuLove example)', () => {
  it('plans, migrates, verifies, rolls back and migrates again', async () => {
    // Expectations follow the example's migrations, whatever they are: all pending on the loaded database.
    const versions = bundle.migrations.map((m) => m.version);
    const last = versions[versions.length - 1]!;
    expect(versions.length).toBeGreaterThanOrEqual(2);
    expect((await status(driver, bundle)).pending.map((m) => m.version)).toEqual(versions);
    // Leading versions that production already has, as their verify scripts prove on the loaded
    // database, are baselined first, as the function's first event does.
    const present: string[] = [];
    for (const m of bundle.migrations) {
      if (!m.verify || !(await runVerifyScript(driver, m)).passed) break;
      present.push(m.version);
    }
    if (present.length > 0) await baseline(driver, bundle, present[present.length - 1]!, { appliedBy: 'cfn' });
    const toApply = bundle.migrations.filter((m) => !present.includes(m.version));
    const dryRun = await plan(driver, bundle, { appliedBy: 'cfn' });
    expect(dryRun.migrations.map((m) => [m.version, m.transactional])).toEqual(toApply.map((m) => [m.version, m.transactional]));
    expect(dryRun.migrations.some((m) => !m.transactional)).toBe(true);

    const report = await migrate(driver, bundle, { appliedBy: 'cfn' });
    expect(report.applied.map((a) => [a.version, a.statements])).toEqual(toApply.map((m) => [m.version, m.up.statements.length]));
    expect(report.current).toBe(last);
    const verification = await runVerification(driver, bundle);
    expect(verification.checks.filter((c) => !c.passed)).toEqual([]);
    expect(verification.checks.filter((c) => c.check === 'verify-script').map((c) => c.object)).toEqual(
      bundle.migrations.filter((m) => m.verify).map((m) => m.verify!.file),
    );
    expect(verification.ok).toBe(true);

    const target = versions[versions.length - 2]!;
    const reverted = await rollback(driver, bundle, { appliedBy: 'oncall', targetVersion: target });
    expect(reverted).toMatchObject({ reverted: [{ version: last }], current: target });
    expect((await status(driver, bundle)).pending.map((m) => m.version)).toEqual([last]);
    expect((await migrate(driver, bundle, { appliedBy: 'cfn' })).applied.map((a) => a.version)).toEqual([last]);
    expect((await runVerification(driver, bundle)).ok).toBe(true);
  });

  it('reports a failing statement with its file, line and SQLSTATE, and leaves nothing of it', async () => {
    const last = bundle.migrations[bundle.migrations.length - 1]!.version;
    const next = String(Number(last) + 1).padStart(last.length, '0');
    const [extra] = buildBundle([
      { version: next, name: 'add_ksef_number', up: ['ALTER TABLE faktury_faktura ADD COLUMN ksef_number text', 'ALTER TABLE faktury_faktura ADD CONSTRAINT ksef_fk FOREIGN KEY (ksef_number) REFERENCES ksef_documents (id)'] },
    ]).migrations;
    const broken: MigrationBundle = { ...bundle, migrations: [...bundle.migrations, extra!] };
    // A second schema history, baselined at the example's last version, so this test does not depend on the first one.
    await baseline(driver, broken, last, { appliedBy: 'dba', historySchema: 'ops_history' });
    const error = await migrate(driver, broken, { appliedBy: 'cfn', historySchema: 'ops_history' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect([e.version, e.file, e.line, e.sqlState]).toEqual([next, `${next}_add_ksef_number/up.sql`, 2, '42P01']);
    expect(e.databaseMessage).toMatch(/ksef_documents/);
    const { rows } = await db.sql("SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'ksef_number'");
    expect(rows[0].n).toBe(0);
  });

  it('keeps the lock lease alive across calls without session state', async () => {
    const holder = await acquireLease(driver, historyTables(), 'cfn-update', silentLog, { leaseMs: 1000, heartbeatMs: 100 });
    await new Promise((r) => setTimeout(r, 1500));
    const other = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
    const error = await migrate(other, bundle, { appliedBy: 'cli' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockHeldError);
    expect((error as LockHeldError).holder.owner).toBe('cfn-update');
    expect(holder.lost).toBe(false);
    await holder.release();
    expect(await migrate(other, bundle, { appliedBy: 'cli' })).toMatchObject({ applied: [], current: bundle.migrations[bundle.migrations.length - 1]!.version });
  });
});
