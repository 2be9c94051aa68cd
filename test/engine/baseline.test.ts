import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { baseline } from '../../lambda/engine/commands/baseline';
import { migrate } from '../../lambda/engine/commands/migrate';
import { status } from '../../lambda/engine/commands/status';
import { HistoryValidationError } from '../../lambda/engine/errors';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle } from './support/bundle';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_baseline');
  driver = db.driver();
});
afterEach(() => db.drop());

const bundle = buildBundle([
  { version: '0020', name: 'create_faktura', up: ['CREATE TABLE faktury_faktura (id bigint PRIMARY KEY)'] },
  { version: '0021', name: 'add_ocr_fields', up: ['ALTER TABLE faktury_faktura ADD COLUMN ocr_confidence numeric'] },
  { version: '0022', name: 'add_ocr_indexes', up: ['CREATE INDEX faktury_faktura_ocr_confidence_idx ON faktury_faktura (ocr_confidence)'] },
]);

describe('baseline', () => {
  it('marks versions up to N applied without running them; migrate then applies only the rest', async () => {
    // The database got 0020 and 0021 by hand, as the Django guide did.
    await db.sql('CREATE TABLE faktury_faktura (id bigint PRIMARY KEY, ocr_confidence numeric)');
    const report = await baseline(driver, bundle, '0021', { appliedBy: 'dba' });
    expect(report).toEqual({ baselined: ['0020', '0021'], current: '0021' });
    const { rows } = await db.sql('SELECT version, type, success, execution_ms, applied_by, checksum FROM rds_migrate.schema_history ORDER BY installed_rank');
    expect(rows).toEqual([
      { version: '0020', type: 'baseline', success: true, execution_ms: 0, applied_by: 'dba', checksum: bundle.migrations[0]!.checksum },
      { version: '0021', type: 'baseline', success: true, execution_ms: 0, applied_by: 'dba', checksum: bundle.migrations[1]!.checksum },
    ]);
    const applied = await migrate(driver, bundle, { appliedBy: 'deploy' });
    expect(applied.applied.map((a) => a.version)).toEqual(['0022']);
    expect((await status(driver, bundle)).migrations.map((m) => [m.version, m.state, m.row?.type])).toEqual([
      ['0020', 'applied', 'baseline'],
      ['0021', 'applied', 'baseline'],
      ['0022', 'applied', 'sql'],
    ]);
  });

  it('refuses a schema history that already has rows, and a version not in the bundle', async () => {
    await migrate(driver, bundle, { appliedBy: 'deploy', targetVersion: '0020' });
    const error = await baseline(driver, bundle, '0021', { appliedBy: 'dba' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HistoryValidationError);
    expect((error as HistoryValidationError).problems).toMatchObject([{ kind: 'not-empty', version: '0020' }]);
    await expect(baseline(driver, bundle, '0030', { appliedBy: 'dba' })).rejects.toThrow(/baseline version 0030 is not a migration of the bundle/);
    await expect(baseline(driver, bundle, 'v21', { appliedBy: 'dba' })).rejects.toThrow(/baseline version must be a migration version .* got "v21"/);
    expect((await db.sql('SELECT count(*)::int AS n FROM rds_migrate.schema_history')).rows[0].n).toBe(1);
  });
});
