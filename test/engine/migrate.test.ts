import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { status } from '../../lambda/engine/commands/status';
import { HistoryValidationError, MigrationError } from '../../lambda/engine/errors';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import type { BundledMigration } from '../../lambda/migrations/bundle';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_migrate');
  driver = db.driver();
});
afterEach(() => db.drop());

const specs: MigrationSpec[] = [
  { version: '0001', name: 'create_faktura', up: ['CREATE TABLE faktura (id bigint PRIMARY KEY, user_id int NOT NULL, ocr_confidence numeric)'] },
  {
    version: '0002',
    name: 'add_ocr_fields',
    up: ['ALTER TABLE faktura ADD COLUMN manual_verification_required boolean NOT NULL DEFAULT false', 'CREATE INDEX faktura_user_idx ON faktura (user_id)'],
  },
  { version: '0003', name: 'add_constraints', up: ['ALTER TABLE faktura ADD CONSTRAINT ocr_confidence_range CHECK (ocr_confidence BETWEEN 0 AND 100)'] },
];

async function historyRows() {
  const { rows } = await db.sql('SELECT version, name, type, checksum, success, applied_by, execution_ms FROM rds_migrate.schema_history ORDER BY installed_rank');
  return rows;
}

async function tableExists(name: string): Promise<boolean> {
  const { rows } = await db.sql('SELECT to_regclass($1) IS NOT NULL AS e', [name]);
  return rows[0].e;
}

describe('migrate', () => {
  it('applies every migration to a fresh database and records the schema history', async () => {
    const bundle = buildBundle(specs);
    const report = await migrate(driver, bundle, { appliedBy: 'test-runner' });

    expect(report.applied.map((a) => [a.version, a.name, a.statements])).toEqual([
      ['0001', 'create_faktura', 1],
      ['0002', 'add_ocr_fields', 2],
      ['0003', 'add_constraints', 1],
    ]);
    expect(report.alreadyApplied).toBe(0);
    expect(report.current).toBe('0003');
    const rows = await historyRows();
    expect(rows.map((r) => [r.version, r.type, r.success, r.applied_by])).toEqual([
      ['0001', 'sql', true, 'test-runner'],
      ['0002', 'sql', true, 'test-runner'],
      ['0003', 'sql', true, 'test-runner'],
    ]);
    expect(rows.map((r) => r.checksum)).toEqual(bundle.migrations.map((m) => m.checksum));
    for (const r of rows) expect(r.execution_ms).toBeGreaterThanOrEqual(0);
    await expect(db.sql('INSERT INTO faktura (id, user_id, ocr_confidence) VALUES (1, 1, 150)')).rejects.toThrow(/ocr_confidence_range/);
    // The lock lease is released at the end.
    expect((await db.sql('SELECT count(*)::int AS n FROM rds_migrate.lock')).rows[0].n).toBe(0);
  });

  it('applies nothing on a second run', async () => {
    const bundle = buildBundle(specs);
    await migrate(driver, bundle, { appliedBy: 'first' });
    const second = await migrate(driver, bundle, { appliedBy: 'second' });
    expect(second).toEqual({ applied: [], repeatables: [], alreadyApplied: 3, current: '0003' });
    expect(await historyRows()).toHaveLength(3);
  });

  it('leaves no trace of a migration whose statement fails, and names version, file, line and SQLSTATE', async () => {
    const bundle = buildBundle([
      specs[0]!,
      {
        version: '0002',
        name: 'broken',
        up: ['CREATE TABLE ocr_result (id bigint PRIMARY KEY)', 'ALTER TABLE faktura\n  ADD COLUMN x int', 'INSERT INTO no_such_table VALUES (1)', 'CREATE TABLE never_reached (id int)'],
      },
      specs[2]!,
    ]);
    const error = await migrate(driver, bundle, { appliedBy: 't' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect(e.version).toBe('0002');
    expect(e.file).toBe('0002_broken/up.sql');
    expect(e.line).toBe(4);
    expect(e.statement).toBe(3);
    expect(e.sqlState).toBe('42P01');
    expect(e.databaseMessage).toMatch(/no_such_table/);
    expect(e.completed).toEqual(['0001']);
    expect(e.statementsLeftApplied).toBe(0);
    expect(e.message).toContain('0002_broken/up.sql line 4');
    expect(e.message).toContain('SQLSTATE 42P01');

    expect(await tableExists('ocr_result')).toBe(false);
    const { rows } = await db.sql("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'faktura' AND column_name = 'x'");
    expect(rows[0].n).toBe(0);
    expect((await historyRows()).map((r) => r.version)).toEqual(['0001']);
    // 0003 did not run either; the lock was released.
    expect((await db.sql('SELECT count(*)::int AS n FROM rds_migrate.lock')).rows[0].n).toBe(0);
  });

  it('refuses to start when an applied migration was changed, naming the file and both checksums', async () => {
    await migrate(driver, buildBundle(specs.slice(0, 2)), { appliedBy: 't' });
    const tampered = buildBundle([
      { ...specs[0]!, up: ['CREATE TABLE faktura (id bigint PRIMARY KEY, user_id int NOT NULL, ocr_confidence numeric(5,2))'] },
      specs[1]!,
      specs[2]!,
    ]);
    const applied = (await historyRows())[0]!.checksum;
    const error = await migrate(driver, tampered, { appliedBy: 't' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HistoryValidationError);
    const problem = (error as HistoryValidationError).problems[0]!;
    expect(problem).toMatchObject({ kind: 'changed', version: '0001', file: '0001_create_faktura/up.sql', expected: applied, found: tampered.migrations[0]!.checksum });
    expect((error as Error).message).toContain('0001_create_faktura/up.sql');
    expect((error as Error).message).toContain(applied);
    // 0003 was pending and did not run.
    expect((await historyRows()).map((r) => r.version)).toEqual(['0001', '0002']);
    const { rows } = await db.sql("SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'ocr_confidence_range'");
    expect(rows[0].n).toBe(0);
  });

  it('refuses to start when the schema history has a failed row it cannot resume', async () => {
    const bundle = buildBundle(specs);
    await migrate(driver, bundle, { appliedBy: 't', targetVersion: '0001' });
    // A failed row of a transactional migration cannot be resumed (migrate never writes one).
    await db.sql(
      `INSERT INTO rds_migrate.schema_history (version, name, type, checksum, applied_by, success, statements_applied)
       VALUES ('0002', 'add_ocr_fields', 'sql', $1, 'someone', false, 1)`,
      [bundle.migrations[1]!.checksum],
    );
    const error = await migrate(driver, bundle, { appliedBy: 't' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryValidationError);
    expect((error as HistoryValidationError).problems).toMatchObject([{ kind: 'failed', version: '0002', file: '0002_add_ocr_fields/up.sql' }]);
    expect((error as Error).message).toMatch(/repair/);
    const { rows } = await db.sql("SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'ocr_confidence_range'");
    expect(rows[0].n).toBe(0);
  });

  it('calls beforeApply once with the pending migrations, and not at all when nothing is pending', async () => {
    const bundle = buildBundle(specs);
    const beforeApply = vi.fn(async (_pending: BundledMigration[]) => {
      // Called before the first pending migration runs, holding the lock.
      expect(await tableExists('faktura')).toBe(true);
      const lock = await db.sql('SELECT owner FROM rds_migrate.lock');
      expect(lock.rows[0].owner).toBe('snapshotter');
      const { rows } = await db.sql("SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'faktura' AND column_name = 'manual_verification_required'");
      expect(rows[0].n).toBe(0);
    });
    await migrate(driver, buildBundle(specs.slice(0, 1)), { appliedBy: 't' });
    await migrate(driver, bundle, { appliedBy: 'snapshotter', beforeApply });
    expect(beforeApply).toHaveBeenCalledTimes(1);
    expect(beforeApply.mock.calls[0]![0]).toEqual([bundle.migrations[1], bundle.migrations[2]]);

    const idle = vi.fn(async () => undefined);
    await migrate(driver, bundle, { appliedBy: 't', beforeApply: idle });
    expect(idle).not.toHaveBeenCalled();
  });

  it('migrates nothing when beforeApply throws, and releases the lock', async () => {
    const bundle = buildBundle(specs);
    const error = await migrate(driver, bundle, {
      appliedBy: 't',
      beforeApply: async () => {
        throw new Error('snapshot failed: bucket not found');
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('snapshot failed: bucket not found');
    expect(await tableExists('faktura')).toBe(false);
    expect(await historyRows()).toEqual([]);
    const report = await migrate(driver, bundle, { appliedBy: 't' });
    expect(report.applied).toHaveLength(3);
  });

  it('stops at the target version', async () => {
    const bundle = buildBundle(specs);
    const report = await migrate(driver, bundle, { appliedBy: 't', targetVersion: '0002' });
    expect(report.applied.map((a) => a.version)).toEqual(['0001', '0002']);
    expect(report.current).toBe('0002');
    const now = await status(driver, bundle);
    expect(now.current).toBe('0002');
    expect(now.pending.map((m) => m.version)).toEqual(['0003']);
    await expect(migrate(driver, bundle, { appliedBy: 't', targetVersion: '0001' })).rejects.toThrow(/below the current version 0002: use rollback/);
    await expect(migrate(driver, bundle, { appliedBy: 't', targetVersion: '0009' })).rejects.toThrow(/targetVersion 0009 is not a migration of the bundle/);
    await expect(migrate(driver, bundle, { appliedBy: 't', targetVersion: 'latest' })).rejects.toThrow(/targetVersion must be a migration version .* got "latest"/);
    const rest = await migrate(driver, bundle, { appliedBy: 't', targetVersion: '0003' });
    expect(rest.applied.map((a) => a.version)).toEqual(['0003']);
  });

  it('refuses a pending version below the current one, and an applied version missing from the bundle', async () => {
    await migrate(driver, buildBundle([specs[0]!, specs[2]!]), { appliedBy: 't' });
    const outOfOrder = await migrate(driver, buildBundle(specs), { appliedBy: 't' }).catch((e: unknown) => e);
    expect((outOfOrder as HistoryValidationError).problems).toMatchObject([{ kind: 'out-of-order', version: '0002' }]);

    const older = buildBundle(specs.slice(0, 1));
    const missing = await migrate(driver, older, { appliedBy: 't' }).catch((e: unknown) => e);
    expect((missing as HistoryValidationError).problems).toMatchObject([{ kind: 'missing', version: '0003' }]);
    expect(await migrate(driver, older, { appliedBy: 't', allowMissing: true })).toEqual({ applied: [], repeatables: [], alreadyApplied: 1, current: '0003' });
  });

  it('rejects a bad appliedBy before touching the database', async () => {
    await expect(migrate(driver, buildBundle(specs), { appliedBy: '' })).rejects.toThrow(/appliedBy must be a non-empty string/);
    expect(await tableExists('rds_migrate.schema_history')).toBe(false);
  });
});
