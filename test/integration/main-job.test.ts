/**
 * The main job end to end from the handler's sources: real SDK clients, the local Data API over real
 * PostgreSQL, s3rver. (test/integration/synthesized-function.test.ts runs the `cdk synth` bundle.)
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaselineActionReport } from '../../lambda/actions/baseline-action';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import type { StatusActionReport } from '../../lambda/actions/status-action';
import { FAKTULOVE_MIGRATIONS } from '../../examples/faktulove/load-example';
import { startFaktuLoveHarness, type FaktuLoveHarness } from './support/faktulove-harness';

const INVALID_CONFIDENCE = 'SELECT count(*)::int AS n FROM faktury_faktura WHERE ocr_confidence < 0 OR ocr_confidence > 100';

describe('migrate on FaktuLove through the local Data API and S3', () => {
  let h: FaktuLoveHarness;
  let invalidBefore: number;
  beforeAll(async () => {
    h = await startFaktuLoveHarness();
    invalidBefore = (await h.db.sql(INVALID_CONFIDENCE)).rows[0].n;
  });
  afterAll(() => h.close());

  it('refuses an invalid event, naming each bad field, before touching anything', async () => {
    const error = await h.handler({ action: 'migrate', targetVersion: "0022'; DROP TABLE faktury_faktura; --", force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/targetVersion: a version is digits/);
    expect((error as Error).message).toMatch(/force: unknown field/);
    const schemas = await h.db.sql(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rds_migrate'`);
    expect(schemas.rows[0].n).toBe(0);
    expect(await h.listKeys()).toEqual([]);
  });

  it('adopts the database at 0021 (baseline), then reports the three migrations pending', async () => {
    const before = (await h.handler({ action: 'status' })) as StatusActionReport;
    expect(before.current).toBeNull();
    expect(before.pending).toEqual(['0021', '0022', '0023', '0024']);
    const baseline = (await h.handler({ action: 'baseline', version: '0021' })) as BaselineActionReport;
    expect(baseline).toMatchObject({ action: 'baseline', ok: true, baselined: ['0021'], current: '0021' });
    const status = (await h.handler({ action: 'status' })) as StatusActionReport;
    expect(status.current).toBe('0021');
    expect(status.pending).toEqual(['0022', '0023', '0024']);
  });

  it('snapshots first, applies 0022, 0023 and 0024, and verifies', async () => {
    expect(invalidBefore).toBeGreaterThan(0);
    const report = (await h.handler({ action: 'migrate' })) as MigrateActionReport;

    expect(report.ok).toBe(true);
    expect(report.migrate.applied.map((m) => m.version)).toEqual(['0022', '0023', '0024']);
    expect(report.migrate.current).toBe('0024');

    // The snapshot holds the data as it was before the clean-up in 0023, manifest last.
    const snapshot = report.snapshot!;
    expect(snapshot.schemaVersion).toBe('0021');
    expect(Object.fromEntries(snapshot.tables.map((t) => [t.table, t.rows]))).toEqual({ 'public.auth_user': 40, 'public.faktury_faktura': 5000 });
    const keys = await h.listKeys();
    const manifestKey = snapshot.manifest.replace(`s3://${h.aws.bucket}/`, '');
    expect(keys).toContain(manifestKey);
    const manifest = JSON.parse(await h.readObject(manifestKey));
    expect(manifest.snapshotId).toBe(snapshot.snapshotId);
    const invoices = snapshot.tables.find((t) => t.table === 'public.faktury_faktura')!;
    const rows = await h.readTableObject(invoices.key);
    expect(rows).toHaveLength(5000);
    expect(rows.filter((r) => typeof r.ocr_confidence === 'number' && (r.ocr_confidence < 0 || r.ocr_confidence > 100))).toHaveLength(invalidBefore);

    // The database: indexes valid, constraints validated, dirty values cleaned, invalid writes refused.
    const indexes = await h.db.sql(
      `SELECT count(*)::int AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = 'faktury_faktura'::regclass AND i.indisvalid
         AND (c.relname LIKE 'faktury_faktura_%ocr%' OR c.relname LIKE 'faktury_faktura_%manual%')`,
    );
    expect(indexes.rows[0].n).toBe(5);
    expect((await h.db.sql(INVALID_CONFIDENCE)).rows[0].n).toBe(0);
    const insert = await h.db
      .sql(`INSERT INTO faktury_faktura (user_id, numer, data_wystawienia, data_sprzedazy, termin_platnosci, nabywca_nazwa, kwota_netto, kwota_brutto, ocr_confidence)
            VALUES (1, 'FV/X/1', '2024-01-01', '2024-01-01', '2024-01-15', 'X', 1, 1.23, 150)`)
      .catch((e: { code?: string }) => e);
    expect((insert as { code?: string }).code).toBe('23514');

    // The schema history records the baseline and the three, and verification ran each verify script.
    const history = await h.db.sql(`SELECT version, type, success FROM rds_migrate.schema_history ORDER BY installed_rank`);
    expect(history.rows.map((r) => [r.version, r.type, r.success])).toEqual([['0021', 'baseline', true], ['0022', 'sql', true], ['0023', 'sql', true], ['0024', 'sql', true]]);
    const scripts = report.verification.checks.filter((c) => c.check === 'verify-script');
    expect(scripts.map((c) => [c.object, c.passed])).toEqual([
      ['0021_add_ocr_fields_to_faktura/verify.sql', true],
      ['0022_add_ocr_indexes/verify.sql', true],
      ['0023_add_ocr_constraints/verify.sql', true],
      ['0024_validate_ocr_constraints/verify.sql', true],
    ]);
    const validated = await h.db.sql(`SELECT bool_and(convalidated) AS ok, count(*)::int AS n FROM pg_constraint WHERE conrelid = 'faktury_faktura'::regclass AND contype = 'c'`);
    expect(validated.rows[0]).toEqual({ ok: true, n: 2 });
    expect(report.verification.checks.every((c) => c.passed)).toBe(true);
  });

  it('applies nothing on a second run and takes no snapshot', async () => {
    const keysBefore = await h.listKeys();
    const report = (await h.handler({ action: 'migrate' })) as MigrateActionReport;
    expect(report.migrate.applied).toEqual([]);
    expect(report.migrate.alreadyApplied).toBe(4);
    expect(report.snapshot).toBeNull();
    expect(report.snapshotSkipped).toBe('nothing was pending');
    expect(report.ok).toBe(true);
    expect(await h.listKeys()).toEqual(keysBefore);
  });

  it('answers the scheduled event with a verification report', async () => {
    const report = (await h.handler({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: new Date().toISOString() })) as {
      action: string;
      verification: { ok: boolean };
    };
    expect(report.action).toBe('verify');
    expect(report.verification.ok).toBe(true);
  });

  it('fails verification when the schema drifts under an applied migration', async () => {
    await h.db.sql('DROP INDEX faktury_faktura_ocr_confidence_idx');
    const report = (await h.handler({ action: 'verify' })) as { verification: { ok: boolean; checks: Array<{ object?: string; passed: boolean }> } };
    expect(report.verification.ok).toBe(false);
    expect(report.verification.checks.find((c) => !c.passed)?.object).toBe('0022_add_ocr_indexes/verify.sql');
    await h.db.sql('CREATE INDEX faktury_faktura_ocr_confidence_idx ON faktury_faktura (ocr_confidence)');
  });

  it('fails verification when an index keeps its name but can no longer answer the guide’s monitoring query', async () => {
    // Valid, and named as 0022 names it: only the EXPLAIN of the guide's Query 2 can tell.
    await h.db.sql('DROP INDEX faktury_faktura_user_manual_verification_idx');
    await h.db.sql('CREATE INDEX faktury_faktura_user_manual_verification_idx ON faktury_faktura (user_id, manual_verification_required) WHERE ocr_confidence > 99');
    const report = (await h.handler({ action: 'verify' })) as { verification: { ok: boolean; checks: Array<{ check: string; object?: string; passed: boolean; message: string }> } };
    const script = report.verification.checks.find((c) => c.object === '0022_add_ocr_indexes/verify.sql')!;
    expect(script.passed).toBe(false);
    expect(script.message).toMatch(/raised SQLSTATE P0001: guide monitoring query 2 \(a user's verification queue\) does not use faktury_faktura_user_manual_verification_idx/);
    await h.db.sql('DROP INDEX faktury_faktura_user_manual_verification_idx');
    await h.db.sql('CREATE INDEX faktury_faktura_user_manual_verification_idx ON faktury_faktura (user_id, manual_verification_required)');
    const again = (await h.handler({ action: 'verify' })) as { verification: { ok: boolean } };
    expect(again.verification.ok).toBe(true);
  });

  it('leaves the database as it is on a stack Delete', async () => {
    const before = await h.db.sql(`SELECT (SELECT count(*) FROM faktury_faktura)::int AS rows, (SELECT count(*) FROM rds_migrate.schema_history)::int AS history`);
    const response = await h.handler({
      RequestType: 'Delete',
      PhysicalResourceId: `rds-migrate:${h.db.name}`,
      ResourceProperties: { MigrationsChecksum: 'x' },
    });
    expect(response).toEqual({ PhysicalResourceId: `rds-migrate:${h.db.name}` });
    const after = await h.db.sql(`SELECT (SELECT count(*) FROM faktury_faktura)::int AS rows, (SELECT count(*) FROM rds_migrate.schema_history)::int AS history`);
    expect(after.rows).toEqual(before.rows);
  });
});

describe('when the snapshot fails', () => {
  let h: FaktuLoveHarness;
  beforeAll(async () => {
    h = await startFaktuLoveHarness();
  });
  afterAll(() => h.close());

  it('migrates nothing', async () => {
    const { createHandler } = await import('../../lambda/function/create-handler');
    const { DataApiDriver } = await import('../../lambda/driver/data-api/data-api-driver');
    const { RDSDataClient } = await import('@aws-sdk/client-rds-data');
    const client = new RDSDataClient({ ...h.aws.dataApi.clientConfig(), maxAttempts: 1 });
    const handler = createHandler({
      env: { ...h.aws.functionEnvironment({ RDS_MIGRATE_SNAPSHOT_BUCKET: 'no-such-bucket' }), LAMBDA_TASK_ROOT: h.taskRoot },
      s3: h.aws.s3.client(),
      driver: (c) => new DataApiDriver({ resourceArn: c.clusterArn, secretArn: c.secretArn, database: c.database, client }),
    });
    const error = await handler({ action: 'migrate' }).catch((e: unknown) => e);
    client.destroy();
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/no-such-bucket|NoSuchBucket|bucket/i);
    const history = await h.db.sql(`SELECT count(*)::int AS n FROM rds_migrate.schema_history`);
    expect(history.rows[0].n).toBe(0);
    const indexes = await h.db.sql(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname LIKE '%ocr%'`);
    expect(indexes.rows[0].n).toBe(0);
  });
});

describe('a failing migration in a CloudFormation deploy', () => {
  let h: FaktuLoveHarness;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rds-migrate-failing-'));
    await cp(FAKTULOVE_MIGRATIONS, dir, { recursive: true });
    await rm(path.join(dir, '0023_add_ocr_constraints'), { recursive: true });
    await rm(path.join(dir, '0024_validate_ocr_constraints'), { recursive: true });
    await cp(path.join(FAKTULOVE_MIGRATIONS, '0023_add_ocr_constraints'), path.join(dir, '0023_add_ocr_constraints_without_cleanup'), { recursive: true });
    // 0023 without its clean-up: validating the constraint over dirty rows fails (SQLSTATE 23514).
    await writeFile(
      path.join(dir, '0023_add_ocr_constraints_without_cleanup', 'up.sql'),
      `ALTER TABLE faktury_faktura\n  ADD CONSTRAINT faktury_faktura_ocr_confidence_range\n  CHECK (ocr_confidence IS NULL OR (ocr_confidence >= 0 AND ocr_confidence <= 100)) NOT VALID;\n\nALTER TABLE faktury_faktura VALIDATE CONSTRAINT faktury_faktura_ocr_confidence_range;\n`,
    );
    h = await startFaktuLoveHarness(dir);
  });
  afterAll(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fails the Create with the migration, file, line and SQLSTATE, leaving 0023 unapplied', async () => {
    await h.handler({ action: 'baseline', version: '0021' });
    const error = (await h
      .handler({ RequestType: 'Create', ResourceProperties: { MigrationsChecksum: 'abc' } })
      .catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/Migration 0023 \(0023_add_ocr_constraints_without_cleanup\/up\.sql:5\) failed with SQLSTATE 23514/);
    expect(error.message).toMatch(/Logs: .*runId/);
    const history = await h.db.sql(`SELECT version, success FROM rds_migrate.schema_history ORDER BY installed_rank`);
    expect(history.rows).toEqual([{ version: '0021', success: true }, { version: '0022', success: true }]);
    const constraints = await h.db.sql(`SELECT count(*)::int AS n FROM pg_constraint WHERE conname = 'faktury_faktura_ocr_confidence_range'`);
    expect(constraints.rows[0].n).toBe(0);
  });
});
