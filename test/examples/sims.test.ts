/**
 * SIMS (shared/seeds/001): release 1.0.0's indexes, columns and extensions, run end to end by the
 * synthesized function over the local Data API and S3: snapshot, migrate, verify, the guide's checks,
 * the new release writing, the guide's rollback (`rollback` event), the restore of the snapshot taken
 * before migrating (`restore` event: the data exactly as before the release), migrate and verify again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintMigrationsFolder } from '../../lambda/lint';
import { SIMS_MIGRATIONS, loadSims } from '../../examples/sims/load-example';
import { changedTables, dataDigests, digestsOver, plannedIndexes, probe, rowCounts, schemaShape, type SchemaShape, type TableDigest } from './support/database-state';
import { startExampleHarness, type ExampleHarness } from './support/example-harness';
import { expectWholeBundleMigrated } from './support/migrate-assertions';

/** The guide's queries, each with the index it adds for it. */
const GUIDE_QUERIES: Array<{ purpose: string; index: string; sql: string; seqscan?: boolean }> = [
  {
    purpose: 'analytics: logbook entries per status in a week',
    index: 'idx_logbook_analytics',
    sql: `SELECT status, count(*) FROM logbook_logbookentry WHERE created_at >= '2024-03-01' AND created_at < '2024-03-08' GROUP BY status`,
  },
  {
    purpose: 'trend analysis: approved cases in a fortnight',
    index: 'idx_cases_analytics',
    sql: `SELECT count(*) FROM cases_clinicalcase WHERE created_at >= '2024-03-01' AND created_at < '2024-03-15' AND status = 'approved'`,
  },
  {
    purpose: 'compliance: certificates issued in a month',
    index: 'idx_certificates_analytics',
    sql: `SELECT pg_id, count(*) FROM certificates_certificate WHERE issue_date >= '2024-01-01' AND issue_date < '2024-02-01' GROUP BY pg_id`,
  },
  {
    purpose: 'date range: rotations ongoing on a day',
    index: 'idx_rotations_dates',
    sql: `SELECT id FROM rotations_rotation WHERE start_date <= '2023-04-05' AND end_date >= '2023-04-05' AND status = 'ongoing'`,
  },
  {
    purpose: 'search: a term anywhere in past searches',
    index: 'idx_search_history_term_trgm',
    sql: `SELECT id FROM search_searchhistory WHERE search_term ILIKE '%barré%'`,
  },
  {
    purpose: 'audit: a user’s exports, newest first',
    index: 'idx_activity_log_user_action',
    sql: `SELECT id FROM audit_activitylog WHERE user_id = 7 AND action = 'export' ORDER BY created_at DESC LIMIT 10`,
  },
  {
    purpose: 'full-text search of logbook titles',
    index: 'idx_logbook_title_text',
    sql: `SELECT id FROM logbook_logbookentry WHERE to_tsvector('english', title) @@ plainto_tsquery('english', 'paracentesis')`,
  },
  {
    purpose: 'full-text search of case diagnoses',
    index: 'idx_cases_diagnosis_text',
    sql: `SELECT id FROM cases_clinicalcase WHERE to_tsvector('english', diagnosis) @@ plainto_tsquery('english', 'meningitis')`,
  },
  {
    purpose: 'the notification bell: a user’s unread notifications, newest first',
    index: 'idx_notifications_unread',
    sql: `SELECT id, verb FROM notifications_notification WHERE recipient_id = 42 AND is_read = FALSE ORDER BY created_at DESC LIMIT 20`,
  },
  {
    // 400 users fit in a few pages, so a sequential scan is cheaper at this volume: shown with
    // enable_seqscan off that the partial index (supervisor_id IS NOT NULL) can answer the lookup.
    purpose: 'a supervisor’s postgraduates',
    index: 'idx_users_supervisor',
    sql: `SELECT id FROM users_user WHERE supervisor_id = 12`,
    seqscan: false,
  },
];

describe('SIMS example through the synthesized function', () => {
  let h: ExampleHarness;
  let countsBefore: Record<string, number>;
  let shapeBefore: SchemaShape;
  let digestsBefore: Record<string, TableDigest>;
  let firstSnapshotId: string;

  beforeAll(async () => {
    h = await startExampleHarness({ name: 'sims', migrationsDir: SIMS_MIGRATIONS, load: loadSims });
    countsBefore = await rowCounts(h.db);
    shapeBefore = await schemaShape(h.db);
    digestsBefore = await dataDigests(h.db);
  }, 300_000);
  afterAll(() => h?.close());

  it('lints clean: every index CONCURRENTLY and re-runnable, columns added without a rewrite', async () => {
    const report = await lintMigrationsFolder(SIMS_MIGRATIONS);
    expect(report.findings).toEqual([]);
    expect(report.files).toEqual(h.bundle.migrations.map((m) => m.up.file));
  });

  it('starts from production’s data, without the guide’s indexes, every migration pending', async () => {
    expect(countsBefore['public.logbook_logbookentry']).toBeGreaterThanOrEqual(10_000);
    const split = await h.db.sql(
      `SELECT (SELECT count(*) FROM users_user WHERE supervisor_id IS NULL)::int AS unsupervised,
              (SELECT count(*) FROM users_user WHERE supervisor_id IS NOT NULL)::int AS supervised,
              (SELECT count(*) FROM notifications_notification WHERE NOT is_read)::int AS unread,
              (SELECT count(*) FROM notifications_notification WHERE is_read)::int AS read`,
    );
    const { unsupervised, supervised, unread, read } = split.rows[0];
    expect(Math.min(unsupervised, supervised, unread, read)).toBeGreaterThan(0);
    const indexes = await h.db.sql(`SELECT relname FROM pg_class WHERE relkind = 'i' AND relname = ANY($1)`, [GUIDE_QUERIES.map((q) => q.index)]);
    expect(indexes.rows).toEqual([]);
    const status = await h.status();
    expect(status.current).toBeNull();
    expect(status.pending).toEqual(h.bundle.migrations.map((m) => m.version));
  });

  it('migrates: snapshot first, 0001 to 0007 applied, every verify script passed', async () => {
    const report = await h.migrate();
    const manifest = await expectWholeBundleMigrated(h, report, countsBefore);
    firstSnapshotId = manifest.snapshotId;
    // The index migrations ran outside a transaction, statement by statement; the column ones inside one.
    expect(h.bundle.migrations.map((m) => [m.version, m.transactional])).toEqual([
      ['0001', false],
      ['0002', true],
      ['0003', true],
      ['0004', true],
      ['0005', false],
      ['0006', false],
      ['0007', false],
    ]);
  });

  it('keeps every row as it was (the new columns aside)', async () => {
    expect(await digestsOver(h.db, digestsBefore)).toEqual(digestsBefore);
    expect(await rowCounts(h.db)).toEqual(countsBefore);
  });

  it('answers each of the guide’s queries from the index it adds for it', async () => {
    await h.db.sql('ANALYZE'); // as autovacuum does after a deployment: statistics of the indexed expressions
    for (const query of GUIDE_QUERIES) {
      expect(await plannedIndexes(h.db, query.sql, { seqscan: query.seqscan ?? true }), query.purpose).toContain(query.index);
    }
  });

  it('bulk operations: retry_count defaults to 0 and refuses NULL, error_details holds JSON', async () => {
    const existing = await h.db.sql(`SELECT count(*)::int AS n FROM bulk_bulkoperation WHERE retry_count = 0 AND error_details IS NULL`);
    expect(existing.rows[0].n).toBe(countsBefore['public.bulk_bulkoperation']);

    // An insert by the previous release's code, which knows neither column.
    const old = await probe(h.db, `INSERT INTO bulk_bulkoperation (user_id, operation_type) VALUES (1, 'import') RETURNING retry_count, error_details`);
    expect(old).toEqual({ ok: true, rows: [{ retry_count: 0, error_details: null }] });

    const withErrors = await probe(h.db, {
      text: `UPDATE bulk_bulkoperation SET error_details = $1::jsonb, retry_count = retry_count + 1 WHERE id = 1 RETURNING retry_count, error_details -> 'records' -> 0 ->> 'error' AS first_error`,
      values: [JSON.stringify({ records: [{ row: 17, error: 'unknown rotation' }] })],
    });
    expect(withErrors).toEqual({ ok: true, rows: [{ retry_count: 1, first_error: 'unknown rotation' }] });

    expect(await probe(h.db, `UPDATE bulk_bulkoperation SET retry_count = NULL WHERE id = 1`)).toMatchObject({ ok: false, code: '23502' });
    expect(await probe(h.db, `UPDATE bulk_bulkoperation SET error_details = '{not json' WHERE id = 1`)).toMatchObject({ ok: false, code: '22P02' });
  });

  it('scheduled reports: last_run_at and next_run_at are empty until the scheduler runs', async () => {
    const empty = await h.db.sql(`SELECT count(*)::int AS n FROM reports_scheduledreport WHERE last_run_at IS NULL AND next_run_at IS NULL`);
    expect(empty.rows[0].n).toBe(countsBefore['public.reports_scheduledreport']);
    const run = await probe(
      h.db,
      `UPDATE reports_scheduledreport SET last_run_at = '2024-06-01 06:00+00', next_run_at = '2024-06-02 06:00+00' WHERE id = 1
       RETURNING extract(epoch FROM next_run_at - last_run_at)::int AS period_seconds`,
    );
    expect(run).toEqual({ ok: true, rows: [{ period_seconds: 86_400 }] });
  });

  it('search: accents fold with unaccent, misspellings match by trigram similarity', async () => {
    const folded = await h.db.sql(
      `SELECT (SELECT count(*) FROM search_searchhistory WHERE unaccent(search_term) ILIKE '%barre%')::int AS unaccented,
              (SELECT count(*) FROM search_searchhistory WHERE search_term ILIKE '%barré%' OR search_term ILIKE '%barre%')::int AS both_spellings,
              (SELECT count(*) FROM search_searchhistory WHERE search_term ILIKE '%barre%')::int AS plain`,
    );
    const { unaccented, both_spellings, plain } = folded.rows[0];
    expect(unaccented).toBe(both_spellings);
    expect(unaccented).toBeGreaterThan(plain);
    const fuzzy = await h.db.sql(`SELECT DISTINCT search_term FROM search_searchhistory WHERE search_term % 'guillan bare' ORDER BY 1`);
    expect(fuzzy.rows.map((r: { search_term: string }) => r.search_term)).toContain('guillain barre');
  });

  it('the new release writes: bulk operations with their errors, logbook entries, notifications read', async () => {
    await h.db.sql(
      `INSERT INTO bulk_bulkoperation (user_id, operation_type, status, total_records, processed_records, failed_records, error_details, retry_count)
       SELECT 1 + g % 40, 'import', 'failed', 100, 100 - g, g, jsonb_build_object('records', jsonb_build_array(jsonb_build_object('row', g, 'error', 'unknown rotation'))), 1
         FROM generate_series(1, 5) AS g`,
    );
    await h.db.sql(
      `INSERT INTO logbook_logbookentry (pg_id, title, description, procedure_count, status)
       SELECT u.id, 'Lumbar puncture ' || u.id, 'after release 1.0.0', 1, 'submitted' FROM users_user u WHERE u.supervisor_id IS NOT NULL ORDER BY u.id LIMIT 20`,
    );
    const read = await h.db.sql(`UPDATE notifications_notification SET is_read = TRUE WHERE id IN (SELECT id FROM notifications_notification WHERE NOT is_read ORDER BY id LIMIT 50)`);
    expect(read.rowCount).toBe(50);
    await h.db.sql(`UPDATE reports_scheduledreport SET last_run_at = '2024-06-01 06:00+00', next_run_at = '2024-06-02 06:00+00'`);
    const counts = await rowCounts(h.db);
    expect(counts['public.bulk_bulkoperation']).toBe(countsBefore['public.bulk_bulkoperation']! + 5);
    expect(counts['public.logbook_logbookentry']).toBe(countsBefore['public.logbook_logbookentry']! + 20);
  });

  it('rolls back as the guide lists, through the function’s rollback event: snapshot first, objects gone, extensions kept', async () => {
    const report = await h.rollback('0');
    expect(report.rollback.reverted.map((m) => m.version)).toEqual(h.bundle.migrations.map((m) => m.version).reverse());
    expect(report.rollback.current).toBeNull();
    // The rollback's own snapshot holds the release's data (its schema version is the one rolled back from).
    expect(report.snapshot?.schemaVersion).toBe('0007');
    expect(report.snapshot?.snapshotId).not.toBe(firstSnapshotId);
    expect(report.fingerprint?.version).toBeNull();
    expect(report.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    expect(report.ok).toBe(true);

    expect(await schemaShape(h.db)).toEqual(shapeBefore);
    // Guide: "Extensions are not dropped automatically to avoid affecting other apps".
    const extensions = await h.db.sql(`SELECT extname FROM pg_extension WHERE extname IN ('pg_trgm', 'unaccent') ORDER BY 1`);
    expect(extensions.rows).toEqual([{ extname: 'pg_trgm' }, { extname: 'unaccent' }]);
    // Down scripts revert the schema, not the data: the release's writes in the old columns are still there.
    expect(changedTables(digestsBefore, await dataDigests(h.db))).toEqual(['bulk_bulkoperation', 'logbook_logbookentry', 'notifications_notification']);

    const undo = await h.db.sql(`SELECT version FROM rds_migrate.schema_history WHERE type = 'undo' AND success AND applied_by = $1 ORDER BY installed_rank`, [
      `lambda:${h.fn.logicalId}`,
    ]);
    expect(undo.rows.map((r: { version: string }) => r.version)).toEqual(report.rollback.reverted.map((m) => m.version));
    const status = await h.status();
    expect(status.current).toBeNull();
    expect(status.pending).toEqual(h.bundle.migrations.map((m) => m.version));
  });

  it('restores the snapshot taken before migrating, through the function’s restore event: every row as before the release', async () => {
    const report = await h.restore(firstSnapshotId);
    expect(report.restore.snapshotId).toBe(firstSnapshotId);
    expect(report.restore.schemaVersion).toBeNull();
    expect(report.restore.totalRows).toBe(Object.values(countsBefore).reduce((a, b) => a + b, 0));
    expect(await dataDigests(h.db)).toEqual(digestsBefore);
    expect(await rowCounts(h.db)).toEqual(countsBefore);
    expect(await schemaShape(h.db)).toEqual(shapeBefore);
  });

  it('migrates again with a new snapshot, and verifies', async () => {
    const report = await h.migrate();
    const manifest = await expectWholeBundleMigrated(h, report, countsBefore);
    expect(manifest.snapshotId).not.toBe(firstSnapshotId);
    expect(await digestsOver(h.db, digestsBefore)).toEqual(digestsBefore);

    const verify = await h.verify();
    expect(verify.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    expect(verify.verification.ok).toBe(true);
  });
});
