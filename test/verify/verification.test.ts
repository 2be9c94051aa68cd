import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../lambda/engine/commands/migrate';
import { runVerification } from '../../lambda/verify/run-verification';
import { returnsResultSet } from '../../lambda/verify/result-set';
import type { PgDriver } from '../../lambda/driver/pg/pg-driver';
import type { MigrationBundle } from '../../lambda/migrations/bundle';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { buildBundle, type MigrationSpec } from '../engine/support/bundle';

let db: TestDatabase;
let driver: PgDriver;

const base: MigrationSpec[] = [
  {
    version: '0021',
    name: 'add_ocr_fields',
    up: ['CREATE TABLE faktura (id bigint PRIMARY KEY, user_id int, ocr_confidence numeric)', "INSERT INTO faktura VALUES (1, 1, 90), (2, 1, 50)"],
    verify: [
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'faktura' AND column_name = 'ocr_confidence'",
      "SET LOCAL search_path = public",
      'SELECT count(*) = 0 FROM faktura WHERE ocr_confidence > 100',
      "DO $$ BEGIN ASSERT (SELECT count(*) FROM faktura) = 2, 'two rows expected'; END $$",
      'SELECT bool_and(ocr_confidence >= 0) FROM faktura WHERE false',
    ],
  },
  {
    version: '0022',
    name: 'add_ocr_indexes',
    up: ['CREATE INDEX faktura_ocr_confidence_idx ON faktura (ocr_confidence)'],
    verify: ["SELECT 1 FROM pg_indexes WHERE indexname = 'faktura_ocr_confidence_idx'"],
  },
];

/** The bundle with 0022's verify script replaced. */
function withVerify(verify: string[]): MigrationBundle {
  return buildBundle([base[0]!, { ...base[1]!, verify }]);
}

beforeAll(async () => {
  db = await createTestDatabase('verify');
  driver = db.driver();
  await migrate(driver, buildBundle(base), { appliedBy: 't' });
});
afterAll(() => db.drop());

describe('runVerification', () => {
  it('passes when every verify script passes, the history matches and no index is invalid', async () => {
    const report = await runVerification(driver, buildBundle(base));
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.check, c.object, c.passed])).toEqual([
      ['schema-history', undefined, true],
      ['verify-script', '0021_add_ocr_fields/verify.sql', true],
      ['verify-script', '0022_add_ocr_indexes/verify.sql', true],
      ['drift', undefined, true],
      ['invalid-index', undefined, true],
      ['not-valid-constraint', undefined, true],
      ['lock', undefined, true],
      ['sequence-capacity', undefined, true],
      ['index-usage', undefined, true],
    ]);
    // No fingerprint was recorded (the engine's migrate does not record one): nothing to compare.
    expect(report.checks.find((c) => c.check === 'drift')).toMatchObject({ severity: 'info', message: expect.stringMatching(/^no schema fingerprint recorded yet/) });
    expect(report.summary).toMatch(/^Verification passed: 0 errors, 0 warnings in 9 checks /);
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('fails a verify statement that raises an error, naming file, line and SQLSTATE', async () => {
    const report = await runVerification(driver, withVerify(["SELECT 1 FROM pg_indexes WHERE indexname = 'faktura_ocr_confidence_idx'", 'SELECT 1/count(*) FROM faktura WHERE ocr_confidence > 100']));
    expect(report.ok).toBe(false);
    const failed = report.checks.find((c) => !c.passed)!;
    expect(failed).toMatchObject({ check: 'verify-script', object: '0022_add_ocr_indexes/verify.sql', severity: 'error', found: '22012' });
    expect(failed.message).toBe('0022_add_ocr_indexes/verify.sql line 2 (statement 2) raised SQLSTATE 22012: division by zero');
  });

  it('fails a query that returns no rows', async () => {
    const report = await runVerification(driver, withVerify(["SELECT 1 FROM pg_indexes WHERE indexname = 'faktura_user_idx'"]));
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => !c.passed)!.message).toBe('0022_add_ocr_indexes/verify.sql line 1 (statement 1) returned no rows');
  });

  it('fails a query whose first column is false, and stops at that statement', async () => {
    const report = await runVerification(driver, withVerify([
      "SELECT 1 FROM pg_indexes WHERE indexname = 'faktura_ocr_confidence_idx'",
      '-- every invoice is confident enough\nSELECT ocr_confidence >= 80 AS confident, id FROM faktura ORDER BY id',
      'SELECT * FROM no_such_table',
    ]));
    const failed = report.checks.filter((c) => !c.passed);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toBe('0022_add_ocr_indexes/verify.sql line 2 (statement 2) returned false in its first column "confident" (row 2)');
  });

  it('runs verify scripts read-only and rolls them back', async () => {
    const report = await runVerification(driver, withVerify(["INSERT INTO faktura VALUES (3, 1, 10)"]));
    const failed = report.checks.find((c) => !c.passed)!;
    expect(failed.found).toBe('25006');
    expect(failed.message).toMatch(/read-only transaction/);
    expect((await db.sql('SELECT count(*)::int AS n FROM faktura')).rows[0].n).toBe(2);
  });

  it('fails when the schema history does not match the bundle', async () => {
    const changed = buildBundle([{ ...base[0]!, up: [...base[0]!.up, 'SELECT 1'] }, base[1]!, { version: '0023', name: 'add_constraints', up: ['SELECT 1'] }]);
    const report = await runVerification(driver, changed);
    expect(report.ok).toBe(false);
    const history = report.checks.filter((c) => c.check === 'schema-history');
    expect(history).toMatchObject([
      { object: '0021_add_ocr_fields/up.sql', severity: 'error', passed: false, expected: buildBundle(base).migrations[0]!.checksum, found: changed.migrations[0]!.checksum },
      { object: '0023_add_constraints/up.sql', severity: 'error', passed: false, found: 'pending' },
    ]);
    const missing = await runVerification(driver, buildBundle(base.slice(0, 1)));
    expect(missing.checks.filter((c) => c.check === 'schema-history')).toMatchObject([{ object: '0022', severity: 'error', passed: false }]);
  });

  it('reports a pending version above the target version as info only', async () => {
    const ahead = buildBundle([...base, { version: '0023', name: 'add_constraints', up: ['SELECT 1'] }]);
    const report = await runVerification(driver, ahead, { targetVersion: '0022' });
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.check === 'schema-history')).toMatchObject({ object: '0023_add_constraints/up.sql', severity: 'info', passed: false });
  });

  it('detects an INVALID index left by a failed unique CREATE INDEX CONCURRENTLY', async () => {
    await db.sql('CREATE TABLE nip (value text)');
    await db.sql("INSERT INTO nip VALUES ('PL1'), ('PL1')");
    await expect(db.sql('CREATE UNIQUE INDEX CONCURRENTLY nip_value_key ON nip (value)')).rejects.toThrow(/could not create unique index/);
    const report = await runVerification(driver, buildBundle(base));
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.check === 'invalid-index')).toEqual([
      {
        check: 'invalid-index', object: 'index public.nip_value_key', severity: 'error', passed: false, expected: 'valid', found: 'INVALID',
        message: 'index public.nip_value_key on nip is INVALID (a failed concurrent build): drop it and create it again',
      },
    ]);
    await db.sql('DROP INDEX nip_value_key');
    expect((await runVerification(driver, buildBundle(base))).ok).toBe(true);
  });
});

describe('returnsResultSet', () => {
  it('tells queries from other statements by the first keyword', () => {
    expect(returnsResultSet('SELECT 1')).toBe(true);
    expect(returnsResultSet('  -- note\n/* block */ (select 1) union select 2')).toBe(true);
    expect(returnsResultSet('WITH x AS (SELECT 1) SELECT * FROM x')).toBe(true);
    expect(returnsResultSet('values (true)')).toBe(true);
    expect(returnsResultSet('SHOW search_path')).toBe(true);
    expect(returnsResultSet("DO $$ BEGIN ASSERT true; END $$")).toBe(false);
    expect(returnsResultSet('SET LOCAL search_path = public')).toBe(false);
    expect(returnsResultSet('SELECTED')).toBe(false);
  });
});
