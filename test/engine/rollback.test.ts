import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { planRollback } from '../../lambda/engine/commands/plan';
import { rollback } from '../../lambda/engine/commands/rollback';
import { status } from '../../lambda/engine/commands/status';
import { HistoryValidationError, MigrationError } from '../../lambda/engine/errors';
import type { BundledMigration } from '../../lambda/migrations/bundle';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_rollback');
  driver = db.driver();
});
afterEach(() => db.drop());

const specs: MigrationSpec[] = [
  { version: '1', name: 'create_report', up: ['CREATE TABLE scheduled_report (id bigint PRIMARY KEY)'], down: ['DROP TABLE scheduled_report'] },
  {
    version: '2',
    name: 'add_run_times',
    up: ['ALTER TABLE scheduled_report ADD COLUMN last_run_at timestamptz', 'ALTER TABLE scheduled_report ADD COLUMN next_run_at timestamptz'],
    down: ['ALTER TABLE scheduled_report DROP COLUMN IF EXISTS next_run_at', 'ALTER TABLE scheduled_report DROP COLUMN IF EXISTS last_run_at'],
  },
  {
    version: '3',
    name: 'index_next_run',
    up: ['CREATE INDEX CONCURRENTLY scheduled_report_next_run_idx ON scheduled_report (next_run_at)'],
    down: ['DROP INDEX CONCURRENTLY IF EXISTS scheduled_report_next_run_idx'],
  },
];

async function columns(): Promise<string[]> {
  const { rows } = await db.sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'scheduled_report' ORDER BY ordinal_position");
  return rows.map((r) => r.column_name);
}

describe('rollback', () => {
  it('reverts the versions above the target with their down scripts, highest first, recording undo rows', async () => {
    const bundle = buildBundle(specs);
    await migrate(driver, bundle, { appliedBy: 'deploy' });
    const beforeApply = vi.fn(async (_toRevert: BundledMigration[]) => undefined);
    const report = await rollback(driver, bundle, { appliedBy: 'oncall', targetVersion: '1', beforeApply });

    expect(report.reverted.map((r) => [r.version, r.statements])).toEqual([['3', 1], ['2', 2]]);
    expect(report.current).toBe('1');
    expect(beforeApply).toHaveBeenCalledTimes(1);
    expect(beforeApply.mock.calls[0]![0].map((m) => m.version)).toEqual(['3', '2']);
    expect(await columns()).toEqual(['id']);
    expect((await db.sql("SELECT to_regclass('scheduled_report_next_run_idx') IS NULL AS gone")).rows[0].gone).toBe(true);
    const { rows } = await db.sql('SELECT version, type, checksum, applied_by FROM rds_migrate.schema_history ORDER BY installed_rank');
    expect(rows.slice(3)).toEqual([
      { version: '3', type: 'undo', checksum: bundle.migrations[2]!.down!.checksum, applied_by: 'oncall' },
      { version: '2', type: 'undo', checksum: bundle.migrations[1]!.down!.checksum, applied_by: 'oncall' },
    ]);
    const now = await status(driver, bundle);
    expect(now.current).toBe('1');
    expect(now.pending.map((m) => m.version)).toEqual(['2', '3']);

    // Reverted versions are pending again and migrate re-applies them.
    expect((await migrate(driver, bundle, { appliedBy: 'deploy' })).applied.map((a) => a.version)).toEqual(['2', '3']);
    expect(await columns()).toEqual(['id', 'last_run_at', 'next_run_at']);
  });

  it('reverts everything with target 0, and does nothing at the current version', async () => {
    const bundle = buildBundle(specs);
    await migrate(driver, bundle, { appliedBy: 'deploy' });
    expect(await rollback(driver, bundle, { appliedBy: 'x', targetVersion: '3' })).toEqual({ reverted: [], current: '3' });
    const report = await rollback(driver, bundle, { appliedBy: 'x', targetVersion: '0' });
    expect(report.reverted.map((r) => r.version)).toEqual(['3', '2', '1']);
    expect(report.current).toBeNull();
    expect((await db.sql("SELECT to_regclass('scheduled_report') IS NULL AS gone")).rows[0].gone).toBe(true);
    await expect(rollback(driver, bundle, { appliedBy: 'x', targetVersion: '7' })).rejects.toThrow(/targetVersion 7 is not a version/);
  });

  it('refuses up front when a migration to revert has no down script, reverting nothing', async () => {
    const noDown: MigrationSpec = { ...specs[1]!, down: undefined } as MigrationSpec;
    const bundle = buildBundle([specs[0]!, noDown, specs[2]!]);
    await migrate(driver, bundle, { appliedBy: 'deploy' });
    const beforeApply = vi.fn(async () => undefined);
    const error = await rollback(driver, bundle, { appliedBy: 'x', targetVersion: '1', beforeApply }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryValidationError);
    expect((error as HistoryValidationError).problems).toMatchObject([{ kind: 'no-down', version: '2', file: '2_add_run_times/down.sql' }]);
    expect((error as Error).message).toContain('2_add_run_times/down.sql');
    expect(beforeApply).not.toHaveBeenCalled();
    // 3 had a down script but was not reverted either.
    expect((await db.sql("SELECT to_regclass('scheduled_report_next_run_idx') IS NOT NULL AS kept")).rows[0].kept).toBe(true);
    expect((await status(driver, bundle)).current).toBe('3');
    // Reverting only 3 is possible.
    expect((await rollback(driver, bundle, { appliedBy: 'x', targetVersion: '2' })).reverted.map((r) => r.version)).toEqual(['3']);
  });

  it('stops at a failing down script: its transaction leaves nothing, earlier reverts stay', async () => {
    const broken: MigrationSpec = { ...specs[1]!, down: ['ALTER TABLE scheduled_report DROP COLUMN next_run_at', 'ALTER TABLE scheduled_report DROP COLUMN no_such_column'] };
    const bundle = buildBundle([specs[0]!, broken, specs[2]!]);
    await migrate(driver, bundle, { appliedBy: 'deploy' });
    const error = await rollback(driver, bundle, { appliedBy: 'x', targetVersion: '1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect([e.version, e.direction, e.file, e.line, e.sqlState]).toEqual(['2', 'down', '2_add_run_times/down.sql', 2, '42703']);
    expect(e.completed).toEqual(['3']);
    expect(e.message).toContain('Reverted before the failure in this run: 3; nothing of 2 was reverted');
    expect(await columns()).toEqual(['id', 'last_run_at', 'next_run_at']);
    expect((await status(driver, bundle)).current).toBe('2');
  });

  it('plans a rollback without running it', async () => {
    const bundle = buildBundle(specs);
    await migrate(driver, bundle, { appliedBy: 'deploy' });
    const p = await planRollback(driver, bundle, { appliedBy: 'x', targetVersion: '1' });
    expect(p).toMatchObject({ direction: 'down', current: '3', target: '1' });
    expect(p.migrations.map((m) => [m.version, m.file, m.transactional])).toEqual([
      ['3', '3_index_next_run/down.sql', false],
      ['2', '2_add_run_times/down.sql', true],
    ]);
    // Version 2's down script: its statements, then its undo row, sent as one call.
    const step = p.migrations[1]!.steps[0]!;
    expect(step.statements.map((s) => s.sql.split('\n')[0])).toEqual([
      'ALTER TABLE scheduled_report DROP COLUMN IF EXISTS next_run_at',
      'ALTER TABLE scheduled_report DROP COLUMN IF EXISTS last_run_at',
      'INSERT INTO "rds_migrate"."schema_history" (version, name, type, checksum, execution_ms, applied_by, success, statements_applied)',
    ]);
    expect(step.statements[2]).toMatchObject({ role: 'history', params: { version: '2', type: 'undo' } });
    expect(step.folded!.sql).toContain("set_config('lock_timeout', '5000ms', true)");
    expect((await status(driver, bundle)).current).toBe('3');
  });
});
