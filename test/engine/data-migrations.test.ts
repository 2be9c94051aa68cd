/**
 * TypeScript data migrations with batched backfills checkpointed in the database: a run stopped by its
 * time budget (or killed) continues on the next run where it stopped, every row is updated exactly
 * once, and the schema history shows the migration in progress until it finishes.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataApiDriver } from '../../lambda/driver/data-api/data-api-driver';
import { migrate, type MigrateReport } from '../../lambda/engine/commands/migrate';
import { plan } from '../../lambda/engine/commands/plan';
import { rollback } from '../../lambda/engine/commands/rollback';
import { status } from '../../lambda/engine/commands/status';
import { HistoryValidationError, MigrationError } from '../../lambda/engine/errors';
import { moduleLoader } from '../../lambda/engine/data/module-loader';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { startLocalDataApi } from '../../local/data-api/server';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';
import { captureLog } from './support/capture-log';
import { FaultDriver } from './support/fault-driver';

const ROWS = 20_000;
const loadDataMigration = moduleLoader(path.join(import.meta.dirname, 'fixtures/data-migrations'));

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_data_migrations');
  driver = db.driver();
});
afterEach(() => db.drop());

const create: MigrationSpec = {
  version: '1',
  name: 'create_invoice',
  up: [
    'CREATE TABLE invoice (id int PRIMARY KEY, amount numeric(12, 2) NOT NULL, touched int NOT NULL DEFAULT 0)',
    `INSERT INTO invoice (id, amount) SELECT g, g / 100.0 FROM generate_series(1, ${ROWS}) AS g`,
  ],
};
const backfill: MigrationSpec = { version: '2', name: 'invoice_amount_cents', up: ['// up.ts source'], data: { module: 'invoice-amount-cents.ts', down: true } };
const after: MigrationSpec = {
  version: '3',
  name: 'amount_cents_not_null',
  up: ['ALTER TABLE invoice ALTER COLUMN amount_cents SET NOT NULL'],
  down: ['ALTER TABLE invoice ALTER COLUMN amount_cents DROP NOT NULL'],
};
const bundle = buildBundle([create, backfill, after]);

async function rowsTouched(): Promise<Record<string, number>> {
  const { rows } = await db.sql('SELECT touched, count(*)::int AS n FROM invoice GROUP BY touched ORDER BY touched');
  return Object.fromEntries(rows.map((r) => [String(r.touched), r.n]));
}

async function historyOf(version: string) {
  return (await db.sql('SELECT type, success FROM rds_migrate.schema_history WHERE version = $1 ORDER BY installed_rank', [version])).rows;
}

/** A time budget of `ms` from now, with no reserve. */
const budget = (ms: number) => {
  const end = Date.now() + ms;
  return { remainingTimeMs: () => end - Date.now(), reserveMs: 0 };
};

describe('data migrations', () => {
  it('backfills 20,000 rows over several runs cut off by a tiny time budget, each row exactly once', async () => {
    const log = captureLog();
    const reports: MigrateReport[] = [];
    const progress: number[] = [];
    for (let run = 1; run <= 100; run++) {
      const report = await migrate(driver, bundle, { appliedBy: `run-${run}`, log, loadDataMigration, timeBudget: budget(150) });
      reports.push(report);
      if (!report.stopped) break;
      expect(report.stopped.reason).toBe('time-budget');
      if (report.stopped.version === '1') {
        // Under load the budget can run out before the first migration (loading the data module counts too).
        expect(report.applied).toEqual([]);
        continue;
      }
      if (report.stopped.version === '3') {
        // The backfill finished, and the budget ran out before the next migration.
        expect(await historyOf('2')).toEqual([{ type: 'data', success: true }]);
        continue;
      }
      expect(report.stopped).toMatchObject({ version: '2', name: 'invoice_amount_cents' });
      if (!report.stopped.inProgress) {
        // Stopped before the data migration started (the first run spent its budget on version 1).
        expect(await historyOf('2')).toEqual([]);
        continue;
      }
      // Between runs: the migration reads in progress, its batches are checkpointed, nothing after it ran.
      expect(await historyOf('2')).toEqual([{ type: 'data', success: false }]);
      expect((await status(driver, bundle)).inProgress.map((s) => s.version)).toEqual(['2']);
      expect((await plan(driver, bundle, { appliedBy: 't' })).migrations[0]!.steps.map((s) => (s.data ? 'data' : s.statements[0]!.role))).toEqual(['data', 'history']);
      expect(await historyOf('3')).toEqual([]);
      progress.push((await db.sql("SELECT rows_done::int AS n FROM rds_migrate.backfill_progress WHERE version = '2'")).rows[0].n);
    }
    const runs = reports.length;
    // Cut off at least twice in the middle of the backfill; no run loses what an earlier one did.
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.every((n, i) => n <= ROWS && (i === 0 || n >= progress[i - 1]!))).toBe(true);
    expect(progress[progress.length - 1]).toBeGreaterThan(progress[0]!);
    expect(reports[runs - 1]).toMatchObject({ current: '3' });
    expect(reports.flatMap((r) => r.applied.map((a) => a.version))).toEqual(['1', '2', '3']);
    expect(reports.find((r) => r.applied.length > 0)!.applied.map((a) => a.version)).toEqual(['1']);

    expect(await rowsTouched()).toEqual({ 1: ROWS });
    expect((await db.sql('SELECT count(*)::int AS n FROM invoice WHERE amount_cents = round(amount * 100)')).rows[0].n).toBe(ROWS);
    expect(await historyOf('2')).toEqual([{ type: 'data', success: true }]);
    const checkpoint = (await db.sql("SELECT name, direction, rows_done::int AS rows, batches, finished FROM rds_migrate.backfill_progress")).rows;
    // 40 full batches, then one that finds no row left.
    expect(checkpoint).toEqual([{ name: 'public.invoice', direction: 'up', rows: ROWS, batches: ROWS / 500 + 1, finished: true }]);
    // Later runs continued after the checkpoint of earlier ones.
    expect(log.lines.filter((l) => l.message === 'batches resume after their checkpoint').length).toBeGreaterThanOrEqual(1);
    expect((await status(driver, bundle)).migrations.map((m) => m.state)).toEqual(['applied', 'applied', 'applied']);
  });

  it('continues after a runner killed mid-batch over the Data API (its lease expires, its open batch is rolled back)', async () => {
    const api = await startLocalDataApi({ postgresUrl: db.url, transactionIdleTimeoutMs: 300 });
    const client = new RDSDataClient({ ...api.clientConfig(), maxAttempts: 1 });
    const dataApi = new DataApiDriver({ resourceArn: api.resourceArn, secretArn: api.secretArn, database: db.name, client });
    try {
      const doomed = new FaultDriver(dataApi);
      let commits = 0;
      // Killed while its 10th batch is in flight: after the batch's UPDATE, before its commit.
      doomed.loseAnswer = (call) => {
        if (call.kind === 'commit' && call.inTransaction) commits += 1;
        if (call.kind === 'execute' && call.inTransaction && /backfill_progress/.test(call.sql) && commits >= 10) doomed.crashed = true;
        return false;
      };
      const lock = { leaseMs: 1000, heartbeatMs: 300 };
      const killed = await migrate(doomed, bundle, { appliedBy: 'killed', loadDataMigration, lock }).catch((e: unknown) => e);
      expect(killed).toBeInstanceOf(MigrationError);
      expect((killed as MigrationError).message).toContain('its checkpointed batches stay applied');
      const { rows } = await db.sql("SELECT batches FROM rds_migrate.backfill_progress WHERE version = '2'");
      expect(rows[0].batches).toBeGreaterThanOrEqual(8);

      const report = await migrate(dataApi, bundle, { appliedBy: 'next', loadDataMigration, lock: { waitMs: 10_000, pollMs: 100 } });
      expect(report.applied.map((a) => a.version)).toEqual(['2', '3']);
      expect(await rowsTouched()).toEqual({ 1: ROWS });
    } finally {
      await dataApi.close();
      client.destroy();
      await api.close();
    }
  });

  it('rolls back with down(ctx), deleting its checkpoints, and migrates again from scratch', async () => {
    await migrate(driver, bundle, { appliedBy: 't', loadDataMigration });
    const reverted = await rollback(driver, bundle, { appliedBy: 't', targetVersion: '1', loadDataMigration });
    expect(reverted.reverted.map((r) => r.version)).toEqual(['3', '2']);
    expect(await rowsTouched()).toEqual({ 0: ROWS });
    expect((await db.sql("SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'amount_cents'")).rows[0].n).toBe(0);
    expect((await db.sql('SELECT count(*)::int AS n FROM rds_migrate.backfill_progress')).rows[0].n).toBe(0);
    expect((await db.sql("SELECT type FROM rds_migrate.schema_history WHERE version = '2' ORDER BY installed_rank")).rows.map((r) => r.type)).toEqual(['data', 'undo']);

    await migrate(driver, bundle, { appliedBy: 't', loadDataMigration });
    expect(await rowsTouched()).toEqual({ 1: ROWS });
  });

  it('reports a failing batch naming the migration; its committed batches stay and migrate continues after them', async () => {
    const failing = buildBundle([create, { version: '2', name: 'failing', up: ['// failing.ts'], data: { module: 'failing.ts' } }]);
    const error = await migrate(driver, failing, { appliedBy: 't', loadDataMigration }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect([e.version, e.sqlState]).toEqual(['2', '22012']);
    expect(e.message).toContain('the next migrate continues after the last checkpoint');
    expect((await db.sql('SELECT id FROM invoice WHERE touched = 1')).rows).toEqual([{ id: 1 }]);
    expect(await historyOf('2')).toEqual([{ type: 'data', success: false }]);

    // Its module changed since it started: refused until repaired.
    const edited = buildBundle([create, { version: '2', name: 'failing', up: ['// failing.ts, edited'], data: { module: 'failing.ts' } }]);
    const refused = await migrate(driver, edited, { appliedBy: 't', loadDataMigration }).catch((x: unknown) => x);
    expect(refused).toBeInstanceOf(HistoryValidationError);
    expect((refused as HistoryValidationError).problems).toMatchObject([{ kind: 'failed', version: '2' }]);
    expect((refused as HistoryValidationError).message).toContain('is a data migration left in progress and its file changed since');
  });

  it('refuses a data migration without a loader, and a backfill on a key that is not unique', async () => {
    await migrate(driver, buildBundle([create]), { appliedBy: 't' });
    const error = await migrate(driver, bundle, { appliedBy: 't' }).catch((e: unknown) => e);
    expect((error as MigrationError).message).toMatch(/data migration 2 \(invoice_amount_cents, module invoice-amount-cents\.ts\): the run was given no loadDataMigration/);

    const byAmount = buildBundle([create, { version: '2', name: 'by_amount', up: ['// non-unique-key.ts'], data: { module: 'non-unique-key.ts' } }]);
    await db.sql("DELETE FROM rds_migrate.schema_history WHERE version = '2'");
    const notUnique = await migrate(driver, byAmount, { appliedBy: 't', loadDataMigration }).catch((e: unknown) => e);
    expect((notUnique as MigrationError).message).toContain('backfill key amount of invoice has no unique index on it alone');
    expect(await rowsTouched()).toEqual({ 0: ROWS });
  });
});
