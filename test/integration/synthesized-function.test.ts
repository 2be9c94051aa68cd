/**
 * FaktuLove (shared/seeds/000) end to end on the function exactly as `cdk synth` bundles it (esbuild
 * output + migrations.json in cdk.out), run as a cold start in a child process with the template's
 * environment, pointed at the local Data API and S3 through the AWS SDK's own endpoint variables:
 * baseline at 0021, plan, snapshot and migrate on the CloudFormation Create (0022 to 0024), the guide's
 * checks (its monitoring queries EXPLAINed by the verify scripts, invalid values rejected), the guide's
 * rollback (`rollback` event to 0021), the guide's "restore from backup" (`restore` event with the
 * snapshot taken before 0022: the cleaned values back), migrate and verify again.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListSnapshotsReport } from '../../lambda/actions/list-snapshots-action';
import { FAKTULOVE_MIGRATIONS, loadFaktuLove } from '../../examples/faktulove/load-example';
import { changedTables, dataDigests, plannedIndexes, probe, rowCounts, schemaShape, type SchemaShape, type TableDigest } from '../examples/support/database-state';
import { startExampleHarness, type ExampleHarness } from '../examples/support/example-harness';

/** Invoices carrying a value the guide's constraints forbid. */
const INVALID_OCR = 'SELECT count(*)::int AS n FROM faktury_faktura WHERE ocr_confidence < 0 OR ocr_confidence > 100 OR ocr_processing_time < 0';

/** An invoice as the application inserts it, with one OCR column set to `value` (SQL literal). */
const insertInvoice = (column: 'ocr_confidence' | 'ocr_processing_time', value: string) =>
  `INSERT INTO faktury_faktura (user_id, numer, data_wystawienia, data_sprzedazy, termin_platnosci, nabywca_nazwa, kwota_netto, kwota_brutto, ${column})
   VALUES (1, 'FV/OCR/1', '2024-01-01', '2024-01-01', '2024-01-15', 'Kontrahent', 100, 123, ${value})`;

describe('the synthesized function on FaktuLove', () => {
  let h: ExampleHarness;
  let countsBefore: Record<string, number>;
  let shapeBefore: SchemaShape;
  let digestsBefore: Record<string, TableDigest>;
  let invalidBefore: number;
  let firstSnapshotId: string;

  const invalidNow = async (): Promise<number> => (await h.db.sql(INVALID_OCR)).rows[0].n;
  const snapshotsListed = async (): Promise<number> => (await h.invoke<ListSnapshotsReport>({ action: 'list-snapshots' })).total;

  beforeAll(async () => {
    h = await startExampleHarness({ name: 'faktulove', migrationsDir: FAKTULOVE_MIGRATIONS, load: loadFaktuLove });
    countsBefore = await rowCounts(h.db);
    shapeBefore = await schemaShape(h.db);
    digestsBefore = await dataDigests(h.db);
    invalidBefore = await invalidNow();
  }, 300_000);
  afterAll(() => h?.close());

  it('is the Node.js 22 bundle with the compiled migrations beside it', () => {
    expect(h.fn.runtime).toBe('nodejs22.x');
    expect(path.basename(h.fn.handlerFile)).toBe('index.js');
    expect(h.fn.unresolvedEnvironment).toEqual({});
    expect(h.bundle.migrations.map((m) => [m.version, m.transactional, m.down !== undefined])).toEqual([
      ['0021', true, false],
      ['0022', false, true],
      ['0023', true, true],
      ['0024', true, true],
    ]);
  });

  it('refuses malformed console events with each bad field named, before touching anything', async () => {
    const typo = await h.invokeFailing({ action: 'migrat', targetVersion: 5 });
    expect(typo.errorType).toBe('InvalidEventError');
    expect(typo.errorMessage).toMatch(/action: expected one of "status", "migrate", "verify", "snapshot",.* "plan", "rollback", "baseline"/);
    const unconfirmed = await h.invokeFailing({ action: 'rollback', targetVersion: '0021', confirm: '0022' });
    expect(unconfirmed).toEqual({ errorType: 'InvalidEventError', errorMessage: 'Invalid event: confirm: does not repeat targetVersion: nothing is rolled back without the exact target confirmed' });
    const baseline = await h.invokeFailing({ action: 'baseline' });
    expect(baseline.errorMessage).toBe('Invalid event: version: is required: the last version the database already has');
    const schemas = await h.db.sql(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'rds_migrate'`);
    expect(schemas.rows[0].n).toBe(0);
  });

  it('starts as production has it: 0021 applied by Django with dirty OCR values, nothing recorded by rds-migrate', async () => {
    expect(countsBefore).toEqual({ 'public.auth_user': 40, 'public.faktury_faktura': 5000 });
    expect(invalidBefore).toBeGreaterThan(0);
    const status = await h.status();
    expect(status.current).toBeNull();
    expect(status.pending).toEqual(['0021', '0022', '0023', '0024']);
  });

  it('baselines at 0021: its verify script proves the OCR fields are there, the version recorded without running', async () => {
    const report = await h.baseline('0021');
    expect(report.baselined).toEqual(['0021']);
    expect(report.current).toBe('0021');
    expect(report.proven.map((c) => [c.object, c.passed])).toEqual([['0021_add_ocr_fields_to_faktura/verify.sql', true]]);
    expect(report.fingerprint.version).toBe('0021');
    expect(report.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);

    const history = await h.db.sql(`SELECT version, type, success, execution_ms::int AS ms, applied_by FROM rds_migrate.schema_history ORDER BY installed_rank`);
    expect(history.rows).toEqual([{ version: '0021', type: 'baseline', success: true, ms: 0, applied_by: `lambda:${h.fn.logicalId}` }]);
    expect(await schemaShape(h.db)).toEqual(shapeBefore);
    expect(await dataDigests(h.db)).toEqual(digestsBefore);
    expect((await h.status()).pending).toEqual(['0022', '0023', '0024']);
  });

  it('plans 0022 to 0024: the exact statements migrate will send, changing nothing', async () => {
    const plan = await h.plan();
    expect([plan.current, plan.target]).toEqual(['0021', '0024']);
    expect(plan.migrations.map((m) => [m.version, m.transactional])).toEqual([
      ['0022', false],
      ['0023', true],
      ['0024', true],
    ]);
    // 0022 runs statement by statement: each CREATE INDEX CONCURRENTLY as written in the file.
    const bundled = h.bundle.migrations.find((m) => m.version === '0022')!.up.statements.map((s) => s.sql);
    const planned = plan.migrations[0]!.steps.flatMap((step) => step.statements.filter((s) => s.role === 'migration').map((s) => s.sql));
    expect(planned).toEqual(bundled);
    expect(planned[0]).toMatch(/^CREATE INDEX CONCURRENTLY IF NOT EXISTS faktury_faktura_ocr_confidence_idx/);
    expect(plan.statements).toBeGreaterThan(bundled.length);
    const history = await h.db.sql(`SELECT count(*)::int AS n FROM rds_migrate.schema_history`);
    expect(history.rows[0].n).toBe(1);
    expect(await snapshotsListed()).toBe(0);
  });

  it('migrates on the CloudFormation Create: snapshot of the dirty data first, 0022, 0023, 0024, verified', async () => {
    const outcome = await h.fn.invoke<{ PhysicalResourceId: string; Data: Record<string, string> }>({
      RequestType: 'Create',
      ResourceProperties: { MigrationsChecksum: 'from-template' },
    });
    expect(outcome.ok, outcome.ok ? '' : outcome.error.errorMessage).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.PhysicalResourceId).toBe(`rds-migrate:${h.db.name}`);
    expect(outcome.result.Data.CurrentVersion).toBe('0024');
    expect(outcome.result.Data.Applied).toBe('0022,0023,0024');
    firstSnapshotId = outcome.result.Data.SnapshotId!;
    expect(firstSnapshotId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/);

    const manifest = await h.readManifest(firstSnapshotId);
    expect(manifest.schemaVersion).toBe('0021');
    expect(Object.fromEntries(manifest.tables.map((t) => [`${t.schema}.${t.table}`, t.rowCount]))).toEqual(countsBefore);
    const invoices = await h.readTableRows(manifest.tables.find((t) => t.table === 'faktury_faktura')!.key);
    const invalid = (r: Record<string, unknown>) =>
      (typeof r.ocr_confidence === 'number' && (r.ocr_confidence < 0 || r.ocr_confidence > 100)) || (typeof r.ocr_processing_time === 'number' && r.ocr_processing_time < 0);
    expect(invoices.filter(invalid)).toHaveLength(invalidBefore);

    const history = await h.db.sql(`SELECT version, type, success FROM rds_migrate.schema_history ORDER BY installed_rank`);
    expect(history.rows).toEqual([
      { version: '0021', type: 'baseline', success: true },
      { version: '0022', type: 'sql', success: true },
      { version: '0023', type: 'sql', success: true },
      { version: '0024', type: 'sql', success: true },
    ]);
    expect(await invalidNow()).toBe(0);
  });

  it('the guide’s checks: its monitoring queries read the new indexes (verify), and so do its shell queries', async () => {
    const verify = await h.verify();
    const scripts = verify.verification.checks.filter((c) => c.check === 'verify-script');
    expect(scripts.map((c) => [c.object, c.passed])).toEqual([
      ['0021_add_ocr_fields_to_faktura/verify.sql', true],
      ['0022_add_ocr_indexes/verify.sql', true],
      ['0023_add_ocr_constraints/verify.sql', true],
      ['0024_validate_ocr_constraints/verify.sql', true],
    ]);
    // 0022's verify EXPLAINs the three monitoring queries in DO blocks.
    const explains = h.bundle.migrations.find((m) => m.version === '0022')!.verify!.statements.filter((s) => s.sql.startsWith('DO $$'));
    expect(explains.map((s) => /EXPLAIN \(FORMAT JSON\)/.test(s.sql))).toEqual([true, true, true]);
    expect(verify.verification.ok).toBe(true);

    // "Post-Deployment Verification", Test OCR Queries: Django's filters, as SQL.
    expect(await plannedIndexes(h.db, `SELECT count(*) FROM faktury_faktura WHERE ocr_confidence < 80.0`, { seqscan: false })).toEqual(['faktury_faktura_ocr_confidence_idx']);
    expect(await plannedIndexes(h.db, `SELECT count(*) FROM faktury_faktura WHERE manual_verification_required`, { seqscan: false })).toEqual([
      'faktury_faktura_manual_verification_idx',
    ]);
    expect(await plannedIndexes(h.db, `SELECT count(*) FROM faktury_faktura WHERE user_id = 1 AND ocr_confidence < 80.0`, { seqscan: false })).toEqual([
      'faktury_faktura_user_ocr_confidence_idx',
    ]);
  });

  it('the guide’s checks: the database itself rejects the invalid values (SQLSTATE 23514), valid ones go in', async () => {
    expect(await probe(h.db, insertInvoice('ocr_confidence', '150.0'))).toMatchObject({ ok: false, code: '23514' });
    expect(await probe(h.db, insertInvoice('ocr_processing_time', '-1.0'))).toMatchObject({ ok: false, code: '23514' });
    expect(await probe(h.db, `UPDATE faktury_faktura SET ocr_confidence = -0.5 WHERE id = 5`)).toMatchObject({ ok: false, code: '23514' });
    expect(await probe(h.db, `${insertInvoice('ocr_confidence', '99.5')} RETURNING ocr_confidence`)).toEqual({ ok: true, rows: [{ ocr_confidence: 99.5 }] });
  });

  it('refuses a rollback below 0021 before anything runs: 0021 has no down script', async () => {
    const listed = await snapshotsListed();
    const refused = await h.invokeFailing({ action: 'rollback', targetVersion: '0', confirm: '0' });
    expect(refused.errorType).toBe('HistoryValidationError');
    expect(refused.errorMessage).toContain('0021 (add_ocr_fields_to_faktura) has no down script (0021_add_ocr_fields_to_faktura/down.sql)');
    expect(await snapshotsListed()).toBe(listed);
    const undo = await h.db.sql(`SELECT count(*)::int AS n FROM rds_migrate.schema_history WHERE type = 'undo'`);
    expect(undo.rows[0].n).toBe(0);
    expect((await h.status()).current).toBe('0024');
  });

  it('rolls back to 0021 as the guide does: snapshot first, indexes and constraints gone, the cleaned values still NULL', async () => {
    const report = await h.rollback('0021');
    expect(report.rollback.reverted.map((m) => m.version)).toEqual(['0024', '0023', '0022']);
    expect(report.rollback.current).toBe('0021');
    expect(report.snapshot?.schemaVersion).toBe('0024');
    expect(report.fingerprint?.version).toBe('0021');
    expect(report.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);

    expect(await schemaShape(h.db)).toEqual(shapeBefore);
    // The down scripts cannot know the values 0023's clean-up set to NULL: only the snapshot has them.
    expect(changedTables(digestsBefore, await dataDigests(h.db))).toEqual(['faktury_faktura']);
    expect(await invalidNow()).toBe(0);
    expect((await h.status()).pending).toEqual(['0022', '0023', '0024']);
  });

  it('restores the snapshot taken before 0022 ("Restore from backup if needed"): the invalid values back, every row as before', async () => {
    const report = await h.restore(firstSnapshotId);
    expect(report.restore.schemaVersion).toBe('0021');
    expect(report.restore.tables.map((t) => t.table)).toEqual(['auth_user', 'faktury_faktura']);
    expect(report.restore.totalRows).toBe(5040);
    expect(await dataDigests(h.db)).toEqual(digestsBefore);
    expect(await invalidNow()).toBe(invalidBefore);
    expect(await schemaShape(h.db)).toEqual(shapeBefore);
  });

  it('migrates again with a new snapshot, cleaning the values again, and verifies', async () => {
    const report = await h.migrate();
    expect(report.migrate.applied.map((m) => m.version)).toEqual(['0022', '0023', '0024']);
    expect(report.snapshot?.schemaVersion).toBe('0021');
    expect(report.snapshot?.snapshotId).not.toBe(firstSnapshotId);
    expect(report.ok).toBe(true);
    expect(await invalidNow()).toBe(0);
    expect(await rowCounts(h.db)).toEqual(countsBefore);
    const verify = await h.verify();
    expect(verify.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    expect(verify.verification.ok).toBe(true);
  });

  it('applies nothing when invoked again, and says so', async () => {
    const report = await h.migrate();
    expect(report.migrate.applied).toEqual([]);
    expect(report.snapshotSkipped).toBe('nothing was pending');
    expect(report.verification.ok).toBe(true);
  });

  it('keeps the database on the stack Delete', async () => {
    const before = await h.db.sql(`SELECT (SELECT count(*) FROM faktury_faktura)::int AS rows, (SELECT count(*) FROM rds_migrate.schema_history)::int AS history`);
    const outcome = await h.fn.invoke({ RequestType: 'Delete', PhysicalResourceId: `rds-migrate:${h.db.name}`, ResourceProperties: { MigrationsChecksum: 'x' } });
    expect(outcome.ok).toBe(true);
    const after = await h.db.sql(`SELECT (SELECT count(*) FROM faktury_faktura)::int AS rows, (SELECT count(*) FROM rds_migrate.schema_history)::int AS history`);
    expect(after.rows).toEqual(before.rows);
    expect(after.rows[0].rows).toBe(5000);
  });
});
