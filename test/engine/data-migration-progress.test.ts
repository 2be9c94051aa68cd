/**
 * What a run tells about its data migrations (real PostgreSQL): progress after each batch to the
 * run's `onDataProgress`, with the rows expected (the backfill table's `pg_class.reltuples`, or the
 * module's `estimatedRows`); and a run that cannot load a data migration's module refused before
 * anything runs, not halfway through its plan.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { migrate } from '../../lambda/engine/commands/migrate';
import { rollback } from '../../lambda/engine/commands/rollback';
import type { DataMigrationProgress } from '../../lambda/engine/data/data-migration';
import { moduleLoader } from '../../lambda/engine/data/module-loader';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';
import { captureLog } from './support/capture-log';

const ROWS = 20_000;
const loadDataMigration = moduleLoader(path.join(import.meta.dirname, 'fixtures/data-migrations'));

let db: TestDatabase;
let driver: PgDriver;
beforeEach(async () => {
  db = await createTestDatabase('engine_data_progress');
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
const after: MigrationSpec = { version: '3', name: 'after', up: ['SELECT 1'], down: ['SELECT 1'] };

const historyRows = async () => (await db.sql('SELECT version, type, success FROM rds_migrate.schema_history ORDER BY installed_rank')).rows;

describe('data migration progress', () => {
  it('reports each batch of a backfill with the table\'s row estimate, and the totals at the end', async () => {
    await migrate(driver, buildBundle([create]), { appliedBy: 't' });
    await db.sql('ANALYZE invoice');
    const reports: DataMigrationProgress[] = [];
    await migrate(driver, buildBundle([create, backfill]), { appliedBy: 't', loadDataMigration, onDataProgress: (p) => reports.push(p) });

    // 40 batches of 500 rows, then one that finds none left.
    expect(reports).toHaveLength(ROWS / 500 + 1);
    const base = { version: '2', name: 'invoice_amount_cents', direction: 'up', loop: 'public.invoice', estimatedTotalRows: ROWS };
    expect(reports[0]).toEqual({ ...base, batches: 1, rows: 500, totalBatches: 1, totalRows: 500, finished: false });
    expect(reports[19]).toEqual({ ...base, batches: 20, rows: 10_000, totalBatches: 20, totalRows: 10_000, finished: false });
    expect(reports.at(-1)).toEqual({ ...base, batches: 41, rows: ROWS, totalBatches: 41, totalRows: ROWS, finished: true });
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
