import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { status } from '../../lambda/engine/commands/status';
import { MigrationError } from '../../lambda/engine/errors';
import { parseConcurrentIndex } from '../../lambda/engine/run/concurrent-index';
import { runVerification } from '../../lambda/verify/run-verification';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';
import { captureLog } from './support/capture-log';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_nontx');
  driver = db.driver();
});
afterEach(() => db.drop());

const create: MigrationSpec = {
  version: '1',
  name: 'create_sale',
  up: ['CREATE TABLE app_sale (id bigint PRIMARY KEY, external_id text)', "INSERT INTO app_sale VALUES (1, 'a'), (2, 'dup'), (3, 'dup')"],
};
const indexes: MigrationSpec = {
  version: '2',
  name: 'sync_fields',
  up: [
    "ALTER TABLE app_sale ADD COLUMN source_device text NOT NULL DEFAULT 'web'",
    'CREATE UNIQUE INDEX CONCURRENTLY app_sale_external_id_key ON app_sale (external_id)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS app_sale_source_device_idx ON app_sale (source_device)',
  ],
};

async function indexState(name: string): Promise<string> {
  const { rows } = await db.sql('SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1', [name]);
  return rows.length === 0 ? 'absent' : rows[0].indisvalid ? 'valid' : 'INVALID';
}

async function historyRow(version: string) {
  const { rows } = await db.sql('SELECT success, statements_applied FROM rds_migrate.schema_history WHERE version = $1 ORDER BY installed_rank', [version]);
  return rows;
}

describe('non-transactional migrations', () => {
  it('record progress per statement and resume at the failed one, dropping the INVALID index it left', async () => {
    const bundle = buildBundle([create, indexes]);
    const error = await migrate(driver, bundle, { appliedBy: 'deploy' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationError);
    const e = error as MigrationError;
    expect([e.version, e.file, e.line, e.statement, e.sqlState]).toEqual(['2', '2_sync_fields/up.sql', 2, 2, '23505']);
    expect(e.statementsLeftApplied).toBe(1);
    expect(e.message).toContain('its first 1 statement(s) ran; the next migrate resumes after them');
    expect(await historyRow('2')).toEqual([{ success: false, statements_applied: 1 }]);
    expect(await indexState('app_sale_external_id_key')).toBe('INVALID');
    expect((await status(driver, bundle)).failed.map((f) => f.version)).toEqual(['2']);
    const verification = await runVerification(driver, bundle);
    expect(verification.ok).toBe(false);
    expect(verification.checks.filter((c) => !c.passed).map((c) => c.check)).toEqual(['schema-history', 'invalid-index']);

    // Fix the data and run again: the ALTER TABLE (statement 1) is not run twice, the invalid index is replaced.
    await db.sql("UPDATE app_sale SET external_id = 'b' WHERE id = 3");
    const log = captureLog();
    const report = await migrate(driver, bundle, { appliedBy: 'deploy', log });
    expect(report.applied).toMatchObject([{ version: '2', statements: 2 }]);
    expect(log.lines).toContainEqual(expect.objectContaining({ message: 'resuming migration', extra: { version: '2', after: 1 } }));
    expect(await indexState('app_sale_external_id_key')).toBe('valid');
    expect(await indexState('app_sale_source_device_idx')).toBe('valid');
    expect(await historyRow('2')).toEqual([{ success: true, statements_applied: 3 }]);
    expect((await runVerification(driver, bundle)).ok).toBe(true);
  });

  it('replaces an INVALID leftover that IF NOT EXISTS would otherwise keep, and never drops a valid index', async () => {
    await migrate(driver, buildBundle([create]), { appliedBy: 'deploy' });
    // A failed earlier attempt by hand left the index INVALID.
    await expect(db.sql('CREATE UNIQUE INDEX CONCURRENTLY app_sale_ext_key ON app_sale (external_id)')).rejects.toThrow();
    await db.sql("DELETE FROM app_sale WHERE id = 3");
    expect(await indexState('app_sale_ext_key')).toBe('INVALID');
    const withExisting: MigrationSpec = {
      version: '2',
      name: 'unique_external_id',
      up: [
        'CREATE INDEX app_sale_plain_idx ON app_sale (id)',
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS app_sale_ext_key ON public.app_sale (external_id)',
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS "app_sale_plain_idx" ON app_sale (id)',
      ],
    };
    await migrate(driver, buildBundle([create, withExisting]), { appliedBy: 'deploy' });
    expect(await indexState('app_sale_ext_key')).toBe('valid');
    expect(await indexState('app_sale_plain_idx')).toBe('valid');
    await expect(db.sql("INSERT INTO app_sale VALUES (9, 'a')")).rejects.toThrow(/app_sale_ext_key/);
  });

  it('finds the index and table of CREATE INDEX CONCURRENTLY statements', () => {
    expect(parseConcurrentIndex('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_Logbook ON "Sales"."App_Sale" (x)')).toEqual({ index: 'idx_logbook', table: '"Sales"."App_Sale"' });
    expect(parseConcurrentIndex('create index concurrently "Mixed""Case" on only logbook (x)')).toEqual({ index: 'Mixed"Case', table: 'logbook' });
    expect(parseConcurrentIndex('CREATE INDEX CONCURRENTLY ON logbook (x)')).toBeUndefined();
    expect(parseConcurrentIndex('CREATE INDEX idx ON logbook (x)')).toBeUndefined();
  });
});
