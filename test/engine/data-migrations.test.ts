/**
 * TypeScript data migrations with batched backfills checkpointed in the database: a run stopped by its
 * time budget (or killed) continues on the next run where it stopped, every row is updated exactly
 * once, and the schema history shows the migration in progress until it finishes. Progress is reported
 * after each batch; a run that cannot load a module is refused before anything runs.
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
import type { DataMigrationProgress } from '../../lambda/engine/data/data-migration';
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

const historyRows = async () => (await db.sql('SELECT version, type, success FROM rds_migrate.schema_history ORDER BY installed_rank')).rows;

describe('data migration progress', () => {
  it('reports each batch of a backfill with the table\'s row estimate, and the totals at the end', async () => {
    await migrate(driver, buildBundle([create]), { appliedBy: 't' });
    await db.sql('ANALYZE invoice');
    const reports: DataMigrationProgress[] = [];
    await migrate(driver, buildBundle([create, backfill]), { appliedBy: 't', loadDataMigration, onDataProgress: (p) => reports.push(p) });

    // 40 batches of 500 rows, then one that finds none left.
    expect(reports).toHaveLength(ROWS / 500 + 1);
    const base = { version: '2', name: 'invoice_amount_cents', direction: 'up', loop: 'public.invoice', estimatedTotalRows: ROWS, elapsedMs: expect.any(Number) };
    expect(reports[0]).toEqual({ ...base, batches: 1, rows: 500, totalBatches: 1, totalRows: 500, finished: false });
    expect(reports[19]).toEqual({ ...base, batches: 20, rows: 10_000, totalBatches: 20, totalRows: 10_000, finished: false });
    expect(reports.at(-1)).toEqual({ ...base, batches: 41, rows: ROWS, totalBatches: 41, totalRows: ROWS, finished: true });
    expect(reports.every((p, i) => i === 0 || p.elapsedMs >= reports[i - 1]!.elapsedMs)).toBe(true);
  });

  it('takes the module\'s estimatedRows for a hand-written loop, reports the down direction, and survives a listener that throws', async () => {
    const log = captureLog();
    const estimated = { version: '2', name: 'estimated', up: ['// estimated-loop.ts'], data: { module: 'estimated-loop.ts' } };
    const reports: DataMigrationProgress[] = [];
    await migrate(driver, buildBundle([create, estimated]), {
      appliedBy: 't',
      log,
      loadDataMigration,
      onDataProgress: (p) => {
        reports.push(p);
        throw new Error('a broken progress bar');
      },
    });
    expect(reports.map((p) => [p.loop, p.totalRows, p.estimatedTotalRows, p.finished])).toEqual([
      ['three_rows', 1, 3, false],
      ['three_rows', 2, 3, false],
      ['three_rows', 3, 3, true],
    ]);
    expect(log.lines.filter((l) => l.message === 'data migration progress listener failed')).toHaveLength(3);
    expect((await db.sql('SELECT count(*)::int AS n FROM invoice WHERE touched = 1')).rows[0].n).toBe(3);

    // The backfill as version 3, reverted by its module's down (a hand-written loop without an estimate).
    const downs: DataMigrationProgress[] = [];
    await migrate(driver, buildBundle([create, estimated, { ...backfill, version: '3' }]), { appliedBy: 't', loadDataMigration });
    await rollback(driver, buildBundle([create, estimated, { ...backfill, version: '3' }]), {
      appliedBy: 't',
      targetVersion: '2',
      loadDataMigration,
      onDataProgress: (p) => downs.push(p),
    });
    expect(downs.at(-1)).toMatchObject({ version: '3', direction: 'down', loop: 'undo_touched', finished: true });
    expect(downs.every((p) => p.estimatedTotalRows === undefined)).toBe(true);
  });
});

describe('a run that cannot load a data migration', () => {
  it('without a loader: refused before the first migration runs, naming the migration and module', async () => {
    const error = await migrate(driver, buildBundle([create, backfill]), { appliedBy: 't' }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      'data migration 2 (invoice_amount_cents, module invoice-amount-cents.ts): the run was given no loadDataMigration to load its module with; nothing was run',
    );
    expect(await historyRows()).toEqual([]);
    expect((await db.sql("SELECT to_regclass('invoice') IS NULL AS missing")).rows[0].missing).toBe(true);
  });

  it('with a module that cannot be imported, or a rollback without a loader: refused before anything runs', async () => {
    const missing = buildBundle([create, { ...backfill, data: { module: 'no-such-module.ts', down: true } }]);
    const error = await migrate(driver, missing, { appliedBy: 't', loadDataMigration }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^data migration 2: cannot import module no-such-module\.ts \(.*no-such-module\.ts\): /);
    expect(await historyRows()).toEqual([]);

    // Applied with its module; a rollback without a loader changes nothing.
    const bundle = buildBundle([create, backfill, after]);
    await migrate(driver, bundle, { appliedBy: 't', loadDataMigration });
    const before = await historyRows();
    const refused = await rollback(driver, bundle, { appliedBy: 't', targetVersion: '1' }).catch((e: unknown) => e);
    expect((refused as Error).message).toContain('data migration 2 (invoice_amount_cents, module invoice-amount-cents.ts): the run was given no loadDataMigration');
    expect(await historyRows()).toEqual(before);
    expect((await db.sql('SELECT count(*)::int AS n FROM invoice WHERE touched = 1')).rows[0].n).toBe(ROWS);
  });
});
