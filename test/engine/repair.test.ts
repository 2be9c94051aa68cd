import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { repair } from '../../lambda/engine/commands/repair';
import { status } from '../../lambda/engine/commands/status';
import { HistoryValidationError } from '../../lambda/engine/errors';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from './support/bundle';

let db: TestDatabase;
let driver: PgDriver;

beforeEach(async () => {
  db = await createTestDatabase('engine_repair');
  driver = db.driver();
});
afterEach(() => db.drop());

const specs: MigrationSpec[] = [
  { version: '1', name: 'create_essay', up: ['CREATE TABLE essay (id bigint PRIMARY KEY, content text)'] },
  { version: '2', name: 'add_word_count', up: ['ALTER TABLE essay ADD COLUMN word_count int'] },
];

describe('repair', () => {
  it('accepts a changed checksum, keeping the previous one and who accepted it', async () => {
    await migrate(driver, buildBundle(specs), { appliedBy: 'deploy' });
    // A comment added to an applied file: same effect, new checksum.
    const edited = buildBundle([{ ...specs[0]!, up: ['-- essays\nCREATE TABLE essay (id bigint PRIMARY KEY, content text)'] }, specs[1]!]);
    await expect(migrate(driver, edited, { appliedBy: 'deploy' })).rejects.toBeInstanceOf(HistoryValidationError);

    const report = await repair(driver, edited, { appliedBy: 'alice' });
    const previous = buildBundle(specs).migrations[0]!.checksum;
    expect(report).toEqual({
      acceptedChecksums: [{ version: '1', file: '1_create_essay/up.sql', previous, accepted: edited.migrations[0]!.checksum }],
      removedFailed: [],
    });
    const { rows } = await db.sql("SELECT checksum, previous_checksum, repaired_by, repaired_at IS NOT NULL AS dated FROM rds_migrate.schema_history WHERE version = '1'");
    expect(rows).toEqual([{ checksum: edited.migrations[0]!.checksum, previous_checksum: previous, repaired_by: 'alice', dated: true }]);
    expect(await migrate(driver, edited, { appliedBy: 'deploy' })).toMatchObject({ applied: [], alreadyApplied: 2 });
    expect(await repair(driver, edited, { appliedBy: 'alice' })).toEqual({ acceptedChecksums: [], removedFailed: [] });
  });

  it('clears failed rows so migrate runs the migration again', async () => {
    const bundle = buildBundle(specs);
    await migrate(driver, bundle, { appliedBy: 'deploy', targetVersion: '1' });
    await db.sql(
      `INSERT INTO rds_migrate.schema_history (version, name, type, checksum, applied_by, success, statements_applied)
       VALUES ('2', 'add_word_count', 'sql', 'stale', 'crashed', false, 0)`,
    );
    expect((await status(driver, bundle)).failed.map((f) => f.version)).toEqual(['2']);
    const report = await repair(driver, bundle, { appliedBy: 'alice' });
    expect(report.removedFailed).toEqual([{ version: '2', statementsApplied: 0 }]);
    expect((await migrate(driver, bundle, { appliedBy: 'deploy' })).applied.map((a) => a.version)).toEqual(['2']);
  });
});
