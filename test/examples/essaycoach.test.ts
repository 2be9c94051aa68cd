/**
 * EssayCoach (shared/seeds/004): the guide's release run end to end by the synthesized function over the
 * local Data API and S3, on 100,000 essays: the batched word-count backfill (a TypeScript data
 * migration) stopped part way by a short invocation and finished by the next one, no essay counted
 * twice; the confidence score with its range CHECK added NOT VALID and validated; the essay version
 * model; the old analytics moved and the four feedback types seeded (data migrations whose reverse is
 * the guide's `RunPython.noop`), once even when applied again; the array column and its GIN index built
 * CONCURRENTLY; rollback refused through the irreversible backfill, then through the reversible
 * migrations; the restore of the snapshot taken before 0002; verify and migrate again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateActionReport } from '../../lambda/actions/migrate-action';
import { dataMigrationOf } from '../../lambda/engine/data/data-migration';
import type { MigrateInProgressReport } from '../../lambda/function/budgeted-migrate';
import { lintMigrationsFolder } from '../../lambda/lint';
import { ESSAYCOACH_ESSAYS, ESSAYCOACH_MIGRATIONS, loadEssayCoach } from '../../examples/essaycoach/load-example';
import { changedTables, dataDigests, plannedIndexes, probe, rowCounts, schemaShape, tableDigest, type SchemaShape, type TableDigest } from './support/database-state';
import { startExampleHarness, type ExampleHarness } from './support/example-harness';

const VERSIONS = ['0001', '0002', '0003', '0004', '0005', '0006', '0007', '0008'];
const ABOVE_BACKFILL = VERSIONS.slice(1);
/** The essays written after essay_submission.0004 was deployed, whose word_count the application set. */
const ESSAYS_WITH_A_COUNT = 10_000;
const OLD_ANALYTICS = 16_800;
const FEEDBACK_TYPES = [
  { name: 'grammar', description: 'Grammar and syntax corrections', weight: 0.25, is_active: true },
  { name: 'structure', description: 'Essay structure and organization', weight: 0.3, is_active: true },
  { name: 'content', description: 'Content quality and relevance', weight: 0.35, is_active: true },
  { name: 'style', description: 'Writing style and clarity', weight: 0.1, is_active: true },
];
/** What the short invocations keep back (`RDS_MIGRATE_TIME_RESERVE_MS`): far from Lambda's hard stop. */
const RESERVE_MS = 20_000;

/** Python's `len(content.split())` recounted in SQL another way than the migration: matches of `\S+`. */
async function essaysWhoseCountIsNotARecount(h: ExampleHarness, where = 'true'): Promise<number> {
  const { rows } = await h.db.sql(
    `SELECT count(*)::int AS n FROM essay_submission_essay
      WHERE (${where}) AND word_count IS DISTINCT FROM (SELECT count(*) FROM regexp_matches(content, '\\S+', 'g'))`,
  );
  return rows[0].n;
}

async function backfillCheckpoint(h: ExampleHarness): Promise<{ cursor: string; rows_done: number; batches: number; finished: boolean }> {
  const { rows } = await h.db.sql(
    `SELECT cursor, rows_done::int, batches, finished FROM rds_migrate.backfill_progress WHERE version = '0001' AND direction = 'up' AND name = 'essay_word_count'`,
  );
  expect(rows).toHaveLength(1);
  return rows[0];
}

async function feedbackTypes(h: ExampleHarness): Promise<Record<string, unknown>[]> {
  return (await h.db.sql('SELECT name, description, weight, is_active FROM core_feedbacktype ORDER BY id')).rows;
}

/** Rows of analytics_analytics from the old table, and how many distinct old ids they carry. */
async function movedAnalytics(h: ExampleHarness): Promise<{ rows: number; old_ids: number; matching: number }> {
  const { rows } = await h.db.sql(
    `SELECT count(*)::int AS rows, count(DISTINCT a.metadata ->> 'old_id')::int AS old_ids,
            count(o.id)::int AS matching
       FROM analytics_analytics a
       LEFT JOIN analytics_oldanalytics o
         ON a.metadata ->> 'old_id' = o.id::text AND a.user_id = o.user_id AND a.value = o.submission_count AND a.created_at = o.created_at
      WHERE a.metadata ->> 'migration_source' = 'old_analytics' AND a.metric_type = 'essay_submission'`,
  );
  return rows[0];
}

async function feedbackFileNode(h: ExampleHarness): Promise<number> {
  const { rows } = await h.db.sql(`SELECT relfilenode::int AS node FROM pg_class WHERE oid = 'public.ai_feedback_feedback'::regclass`);
  return rows[0].node;
}

describe('EssayCoach example through the synthesized function', () => {
  let h: ExampleHarness;
  let countsBefore: Record<string, number>;
  let shapeBefore: SchemaShape;
  let firstSnapshotId: string;
  /** The snapshot the backfill runs under: the last one taken before 0001 started. */
  let backfillSnapshotId: string | undefined;
  let firstRunRows: number;
  let countsAt0001: Record<string, number>;
  let digestsAt0001: Record<string, TableDigest>;
  let snapshotAt0001: string;

  beforeAll(async () => {
    h = await startExampleHarness({ name: 'essaycoach', migrationsDir: ESSAYCOACH_MIGRATIONS, load: loadEssayCoach });
    countsBefore = await rowCounts(h.db);
    shapeBefore = await schemaShape(h.db);
  }, 300_000);
  afterAll(() => h?.close());

  it('compiles three TypeScript data migrations beside the SQL ones, and lints clean', async () => {
    expect(h.bundle.migrations.map((m) => [m.version, m.transactional, dataMigrationOf(m) ? (dataMigrationOf(m)!.down ? 'data, down' : 'data, no down') : m.down ? 'sql, down' : 'sql'])).toEqual([
      ['0001', false, 'data, no down'],
      ['0002', true, 'sql, down'],
      ['0003', true, 'sql, down'],
      ['0004', true, 'sql, down'],
      ['0005', false, 'data, down'],
      ['0006', false, 'data, down'],
      ['0007', true, 'sql, down'],
      // CREATE INDEX CONCURRENTLY, found in the parse tree: runs outside a transaction.
      ['0008', false, 'sql, down'],
    ]);
    const report = await lintMigrationsFolder(ESSAYCOACH_MIGRATIONS);
    expect(report.findings).toEqual([]);
    expect(report.files).toEqual(h.bundle.migrations.filter((m) => !dataMigrationOf(m)).map((m) => m.up.file));
  });

  it('starts from 100,000 essays, 90,000 of them without a word count, no feedback type, nothing applied', async () => {
    expect(countsBefore['public.essay_submission_essay']).toBe(ESSAYCOACH_ESSAYS);
    expect(countsBefore['public.analytics_oldanalytics']).toBe(OLD_ANALYTICS);
    expect(countsBefore['public.core_feedbacktype']).toBe(0);
    const { rows } = await h.db.sql('SELECT count(word_count)::int AS counted FROM essay_submission_essay');
    expect(rows[0].counted).toBe(ESSAYS_WITH_A_COUNT);
    const status = await h.status();
    expect(status.current).toBeNull();
    expect(status.pending).toEqual(VERSIONS);
  });

  it('a short invocation snapshots, then stops the backfill part way, shown in progress with its batches checkpointed', async () => {
    const event = { action: 'migrate', targetVersion: '0001' };
    let stopped: MigrateInProgressReport | undefined;
    // The snapshot comes first and its duration varies with the machine's load: an invocation whose
    // budget the snapshot's estimate does not fit is refused before anything runs, one whose budget the
    // snapshot used up stops before 0001 starts (the next takes a new one) or at its start (the next
    // resumes it under that snapshot, taking none); the next one gets more time. The budgets stay far
    // below the backfill's own time (100 batches of several Data API calls each). They grow by a second
    // at first, so that the first invocation to reach the backfill has little of its budget left for it.
    // Where a short invocation stops must be set by the backfill's own pace, not by how long its snapshot
    // happened to take: unslowed, the 100 batches take about a second on a quiet machine, so an invocation
    // whose snapshot ran faster than its estimate could run them all (once, all 100 and not the final empty
    // batch that marks the backfill finished). Each batch's UPDATE waits 50 ms more here (a statement
    // trigger, dropped after the loop), so the backfill needs at least 5 s beyond the snapshot.
    await h.db.sql(`
      CREATE FUNCTION public.test_slow_backfill_batch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.05); RETURN NULL; END $$;
      CREATE TRIGGER test_slow_backfill_batch BEFORE UPDATE ON essay_submission_essay FOR EACH STATEMENT EXECUTE FUNCTION public.test_slow_backfill_batch();`);
    try {
      for (const spendMs of [2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 12_000, 18_000, 30_000, 45_000]) {
        const outcome = await h.invokeWithBudget<MigrateInProgressReport | MigrateActionReport>(event, { timeoutMs: RESERVE_MS + spendMs, reserveMs: RESERVE_MS });
        if (!outcome.ok && /over maxSeconds/.test(outcome.error.errorMessage)) continue;
        if (!outcome.ok) throw new Error(`${JSON.stringify(event)} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
        const report = outcome.result;
        if (!('inProgress' in report)) throw new Error(`the backfill finished within one invocation of ${spendMs} ms: nothing left to resume`);
        if (report.snapshot) {
          expect(report.snapshot.schemaVersion).toBeNull();
          firstSnapshotId ??= report.snapshot.snapshotId;
          backfillSnapshotId = report.snapshot.snapshotId;
        } else {
          // An earlier invocation started 0001 and stopped before its first batch: this one resumed it
          // under that invocation's snapshot instead of taking another.
          expect(report.snapshotReused).toMatchObject({ snapshotId: backfillSnapshotId, schemaVersion: null, taken: 'before-start', resumes: { version: '0001', state: 'in-progress' } });
        }
        if (report.stopped.reason === 'time-budget' && report.stopped.inProgress && (await backfillCheckpoint(h)).rows_done > 0) {
          stopped = report;
          break;
        }
        // Stopped before 0001, or in it before its first batch (the migration row and an empty checkpoint
        // written, the budget gone): nothing counted yet.
        expect(report.stopped).toMatchObject({ reason: 'time-budget', version: '0001', name: 'essay_word_count_backfill' });
        expect((await h.db.sql('SELECT count(word_count)::int AS n FROM essay_submission_essay')).rows[0].n).toBe(ESSAYS_WITH_A_COUNT);
      }
    } finally {
      await h.db.sql('DROP TRIGGER test_slow_backfill_batch ON essay_submission_essay; DROP FUNCTION public.test_slow_backfill_batch()');
    }
    expect(stopped, 'no short invocation reached the backfill').toBeDefined();
    expect(stopped!.stopped).toEqual({ reason: 'time-budget', version: '0001', name: 'essay_word_count_backfill', inProgress: true });
    expect(stopped!.message).toContain('Stopped in 0001 (essay_word_count_backfill), its progress recorded');
    expect(stopped!.migrate.applied).toEqual([]);

    const status = await h.status();
    expect(status.migrations[0]).toMatchObject({ version: '0001', state: 'in-progress' });
    expect(status.current).toBeNull();
    const history = await h.db.sql(`SELECT type, success FROM rds_migrate.schema_history WHERE version = '0001'`);
    expect(history.rows).toEqual([{ type: 'data', success: false }]);

    // Stopped between two committed batches: every essay up to the checkpoint's key is counted, every
    // essay after it is as it was (the older ones still NULL).
    const checkpoint = await backfillCheckpoint(h);
    expect(checkpoint.finished).toBe(false);
    firstRunRows = checkpoint.rows_done;
    expect(firstRunRows).toBeGreaterThan(0);
    expect(firstRunRows).toBeLessThan(ESSAYCOACH_ESSAYS);
    expect(firstRunRows % 1000).toBe(0);
    expect(checkpoint.batches).toBe(firstRunRows / 1000);
    expect(Number(checkpoint.cursor)).toBe(firstRunRows);
    const split = await h.db.sql(
      `SELECT count(*) FILTER (WHERE id <= $1 AND word_count IS NOT NULL)::int AS counted_up_to_cursor,
              count(*) FILTER (WHERE id > $1 AND id <= 90000 AND word_count IS NULL)::int AS untouched_after_cursor
         FROM essay_submission_essay`,
      [firstRunRows],
    );
    expect(split.rows[0]).toEqual({ counted_up_to_cursor: firstRunRows, untouched_after_cursor: Math.max(0, 90_000 - firstRunRows) });
    expect(await essaysWhoseCountIsNotARecount(h, `id <= ${firstRunRows}`)).toBe(0);
  }, 240_000);

  it('the next invocation continues after the checkpoint and finishes it: every essay counted once, each count a recount', async () => {
    // At INFO, the function logs each batch loop's progress (the harness runs it at WARN).
    const outcome = await h.fn.invoke<MigrateActionReport>({ action: 'migrate', targetVersion: '0001' }, { POWERTOOLS_LOG_LEVEL: 'INFO' });
    if (!outcome.ok) throw new Error(`migrate failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    const report = outcome.result;
    expect('inProgress' in report).toBe(false);
    expect(report.migrate.applied.map((m) => m.version)).toEqual(['0001']);
    // It resumed 0001: no new snapshot, the one taken before the backfill started covers it.
    expect(report.snapshot).toBeNull();
    expect(report.snapshotReused).toMatchObject({ snapshotId: backfillSnapshotId, taken: 'before-start', resumes: { version: '0001', name: 'essay_word_count_backfill' } });
    expect(report.migrate.current).toBe('0001');
    expect(report.ok, JSON.stringify(report.verification.checks.filter((c) => !c.passed))).toBe(true);

    // The second invocation resumed after the first one's batches and counted only the rest.
    expect(outcome.logs).toContain('batches resume after their checkpoint');
    const finished = outcome.logs.split('\n').find((line) => line.includes('"batches finished"'));
    expect(finished, outcome.logs.slice(-2000)).toBeDefined();
    const rowsThisRun = Number(/"rowsThisRun":(\d+)/.exec(finished!)?.[1]);
    expect(firstRunRows + rowsThisRun).toBe(ESSAYCOACH_ESSAYS);

    // 100 full batches of 1,000, then one that found nothing left; every essay updated once in all.
    expect(await backfillCheckpoint(h)).toEqual({ cursor: String(ESSAYCOACH_ESSAYS), rows_done: ESSAYCOACH_ESSAYS, batches: ESSAYCOACH_ESSAYS / 1000 + 1, finished: true });
    expect((await h.db.sql(`SELECT type, success FROM rds_migrate.schema_history WHERE version = '0001'`)).rows).toEqual([{ type: 'data', success: true }]);
    const counted = await h.db.sql('SELECT count(word_count)::int AS n, count(*) FILTER (WHERE word_count = 0)::int AS empty FROM essay_submission_essay');
    // Empty and blank drafts (ids divisible by 97 or 89) have no words.
    expect(counted.rows[0]).toEqual({ n: ESSAYCOACH_ESSAYS, empty: 1030 + 1123 - 11 });
    expect(await essaysWhoseCountIsNotARecount(h)).toBe(0);
    expect(await rowCounts(h.db)).toEqual(countsBefore);
  }, 180_000);

  it('migrates the rest: snapshot at 0001 first, 0002 to 0008 applied, every verify script passed', async () => {
    countsAt0001 = await rowCounts(h.db);
    digestsAt0001 = await dataDigests(h.db);
    const fileNode = await feedbackFileNode(h);

    const report = await h.migrate();
    expect(report.migrate.applied.map((m) => m.version)).toEqual(ABOVE_BACKFILL);
    expect(report.migrate.current).toBe('0008');
    const manifest = await h.readManifest(report.snapshot!.snapshotId);
    expect(manifest.schemaVersion).toBe('0001');
    expect(Object.fromEntries(manifest.tables.map((t) => [`${t.schema}.${t.table}`, t.rowCount]))).toEqual(countsAt0001);
    snapshotAt0001 = manifest.snapshotId;

    const history = await h.db.sql(`SELECT version, type, success FROM rds_migrate.schema_history ORDER BY installed_rank`);
    expect(history.rows.map((r) => [r.version, r.type, r.success])).toEqual(
      VERSIONS.map((v) => [v, ['0001', '0005', '0006'].includes(v) ? 'data' : 'sql', true]),
    );
    const scripts = report.verification.checks.filter((c) => c.check === 'verify-script');
    expect(scripts.map((c) => [c.object, c.passed])).toEqual(h.bundle.migrations.map((m) => [m.verify!.file, true]));
    expect(report.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    expect(report.ok, JSON.stringify(report.verification.checks.filter((c) => !c.passed))).toBe(true);
    // 0002 added the column with its default in the catalog: the feedback table was not rewritten.
    expect(await feedbackFileNode(h)).toBe(fileNode);
  }, 120_000);

  it('seeds the four feedback types once, even when migrate runs twice', async () => {
    expect(await feedbackTypes(h)).toEqual(FEEDBACK_TYPES);
    const again = await h.migrate();
    expect(again.migrate.applied).toEqual([]);
    expect(again.snapshot).toBeNull();
    expect(again.ok, JSON.stringify(again.verification.checks.filter((c) => !c.passed))).toBe(true);
    expect(await feedbackTypes(h)).toEqual(FEEDBACK_TYPES);
  });

  it('moved every old analytics row once, as an essay_submission metric with its user, value and time', async () => {
    expect(await movedAnalytics(h)).toEqual({ rows: OLD_ANALYTICS, old_ids: OLD_ANALYTICS, matching: OLD_ANALYTICS });
    const counts = await rowCounts(h.db);
    expect(counts['public.analytics_analytics']).toBe(countsAt0001['public.analytics_analytics']! + OLD_ANALYTICS);
    expect(counts['public.analytics_oldanalytics']).toBe(OLD_ANALYTICS);
    // The rows the new model had are untouched.
    const before = digestsAt0001['analytics_analytics']!;
    expect(await tableDigest(h.db, 'analytics_analytics', before.columns, `id <= ${countsAt0001['public.analytics_analytics']}`)).toBe(before.digest);
  });

  it('confidence score: 0.8 on the existing feedback, the range validated, out-of-range scores rejected with 23514', async () => {
    const existing = await h.db.sql('SELECT count(*)::int AS n, min(confidence_score) AS min, max(confidence_score) AS max FROM ai_feedback_feedback');
    expect(existing.rows[0]).toEqual({ n: countsAt0001['public.ai_feedback_feedback'], min: 0.8, max: 0.8 });
    const constraint = await h.db.sql(`SELECT convalidated FROM pg_constraint WHERE conname = 'ai_feedback_feedback_confidence_score_range'`);
    expect(constraint.rows).toEqual([{ convalidated: true }]);

    const insert = (score: string) =>
      probe(h.db, `INSERT INTO ai_feedback_feedback (essay_id, feedback_type, comment, score, confidence_score) VALUES (7, 'grammar', 'ok', 5, ${score}) RETURNING confidence_score`);
    for (const bad of ['1.5', '-0.01', `'NaN'`, `'Infinity'`]) {
      expect(await insert(bad), bad).toMatchObject({ ok: false, code: '23514' });
    }
    expect(await insert('0.0')).toEqual({ ok: true, rows: [{ confidence_score: 0 }] });
    expect(await insert('1.0')).toEqual({ ok: true, rows: [{ confidence_score: 1 }] });
    // The previous release, which does not know the column, still inserts feedback: the default stays.
    expect(await probe(h.db, `INSERT INTO ai_feedback_feedback (essay_id, feedback_type, comment, score) VALUES (7, 'style', 'ok', 5) RETURNING confidence_score`)).toEqual({
      ok: true,
      rows: [{ confidence_score: 0.8 }],
    });
    // An update of an existing row is checked too.
    expect(await probe(h.db, `UPDATE ai_feedback_feedback SET confidence_score = 2 WHERE id = 1`)).toMatchObject({ ok: false, code: '23514' });
  });

  it('essay versions: one per essay and version number, never negative, tied to an existing essay', async () => {
    const version = (essay: number, n: number) => `INSERT INTO essay_submission_essayversion (content, version_number, created_at, essay_id) VALUES ('draft', ${n}, now(), ${essay})`;
    expect(await probe(h.db, version(7, 1), version(7, 2), version(8, 1), 'SELECT count(*)::int AS n FROM essay_submission_essayversion')).toEqual({ ok: true, rows: [{ n: 3 }] });
    expect(await probe(h.db, version(7, 1), version(7, 1))).toMatchObject({ ok: false, code: '23505' });
    expect(await probe(h.db, version(7, -1))).toMatchObject({ ok: false, code: '23514' });
    // Django's foreign keys are deferred to the commit: checked at once here.
    expect(await probe(h.db, 'SET CONSTRAINTS ALL IMMEDIATE', version(999_999_999, 1))).toMatchObject({ ok: false, code: '23503' });
  });

  it('the new release writes: tokens with the GIN index valid and used, essay versions, scored feedback, a new essay', async () => {
    const index = await h.db.sql(
      `SELECT i.indisvalid, am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
        WHERE i.indexrelid = 'public.idx_essay_processed_content'::regclass`,
    );
    expect(index.rows).toEqual([{ indisvalid: true, amname: 'gin' }]);

    // The AI pipeline tokenizes the newest 10,000 essays.
    const tokenized = await h.db.sql(
      `UPDATE essay_submission_essay SET processed_content = array_remove(regexp_split_to_array(lower(content), '\\s+'), '') WHERE id > 90000`,
    );
    expect(tokenized.rowCount).toBe(10_000);
    await h.db.sql(`INSERT INTO essay_submission_essayversion (content, version_number, created_at, essay_id)
                    SELECT content, 1, now(), id FROM essay_submission_essay WHERE id % 200 = 0`);
    await h.db.sql(`INSERT INTO ai_feedback_feedback (essay_id, feedback_type, comment, score, confidence_score)
                    SELECT id, 'content', 'Strong thesis.', 8, 0.93 FROM essay_submission_essay WHERE id % 500 = 0`);
    const essay = await h.db.sql(
      `INSERT INTO essay_submission_essay (user_id, title, content, status, word_count, processed_content)
       VALUES (1, 'Against homework', 'Homework  steals\nevenings.', 'submitted', 3, ARRAY['homework', 'steals', 'evenings.']) RETURNING id`,
    );
    expect(Number(essay.rows[0].id)).toBe(ESSAYCOACH_ESSAYS + 1);
    await h.db.sql('ANALYZE essay_submission_essay');

    // The essays whose tokens contain given words: what the GIN index is for (array containment, @>).
    const query = `SELECT id FROM essay_submission_essay WHERE processed_content @> ARRAY['libraries', 'borrowing', '12%']`;
    expect(await plannedIndexes(h.db, query)).toEqual(['idx_essay_processed_content']);
    const found = await h.db.sql(`${query} ORDER BY id`);
    const expected = await h.db.sql(
      `SELECT id FROM essay_submission_essay WHERE id > 90000 AND 'libraries' = ANY (processed_content) AND 'borrowing' = ANY (processed_content) AND '12%' = ANY (processed_content) ORDER BY id`,
    );
    expect(found.rows.length).toBeGreaterThan(0);
    expect(found.rows).toEqual(expected.rows);
  });

  it('refuses a rollback through the irreversible backfill before anything runs', async () => {
    const digests = await dataDigests(h.db);
    const shape = await schemaShape(h.db);
    const refused = await h.invokeFailing({ action: 'rollback', targetVersion: '0', confirm: '0' });
    expect(refused.errorMessage).toContain(
      '0001 (essay_word_count_backfill) is a data migration whose module (0001_essay_word_count_backfill/up.ts) exports no down(ctx): it cannot be reverted',
    );
    expect((await h.status()).current).toBe('0008');
    expect(await schemaShape(h.db)).toEqual(shape);
    expect(await dataDigests(h.db)).toEqual(digests);
  }, 120_000);

  it('rolls back to 0001 through the function: snapshot first, the schema as before the release, the no-op reverses keep their rows', async () => {
    const report = await h.rollback('0001');
    expect(report.rollback.reverted.map((m) => m.version)).toEqual([...ABOVE_BACKFILL].reverse());
    expect(report.rollback.current).toBe('0001');
    // The rollback's snapshot keeps what the down scripts drop (tokens, versions, scores).
    expect(report.snapshot?.schemaVersion).toBe('0008');
    expect(report.snapshot?.tables.find((t) => t.table === 'public.essay_submission_essayversion')?.rows).toBe(ESSAYCOACH_ESSAYS / 200);
    expect(report.ok, JSON.stringify(report.verification.checks.filter((c) => !c.passed))).toBe(true);
    // 0001 changed no schema: the schema is exactly the pre-release one.
    expect(await schemaShape(h.db)).toEqual(shapeBefore);
    // RunPython.noop: the feedback types and the moved analytics stay.
    expect(await feedbackTypes(h)).toEqual(FEEDBACK_TYPES);
    expect(await movedAnalytics(h)).toEqual({ rows: OLD_ANALYTICS, old_ids: OLD_ANALYTICS, matching: OLD_ANALYTICS });
    const status = await h.status();
    expect(status.pending).toEqual(ABOVE_BACKFILL);
  }, 120_000);

  it('applies 0002 to 0008 again over the rows the no-op reverses kept: nothing seeded or moved twice', async () => {
    const report = await h.migrate();
    expect(report.migrate.applied.map((m) => m.version)).toEqual(ABOVE_BACKFILL);
    expect(report.ok, JSON.stringify(report.verification.checks.filter((c) => !c.passed))).toBe(true);
    expect(await feedbackTypes(h)).toEqual(FEEDBACK_TYPES);
    expect((await h.db.sql('SELECT min(id)::int AS min, max(id)::int AS max FROM core_feedbacktype')).rows[0]).toEqual({ min: 1, max: 4 });
    expect(await movedAnalytics(h)).toEqual({ rows: OLD_ANALYTICS, old_ids: OLD_ANALYTICS, matching: OLD_ANALYTICS });
    // And back to 0001, for the restore of the snapshot taken there.
    expect((await h.rollback('0001')).rollback.current).toBe('0001');
  }, 180_000);

  it('refuses, changing nothing, to restore the snapshot taken before the backfill: it is at another schema version', async () => {
    const digests = await dataDigests(h.db);
    const refused = await h.invokeFailing({ action: 'restore', snapshotId: firstSnapshotId, confirm: firstSnapshotId });
    expect(refused.errorMessage).toMatch(/schema version/i);
    expect(await dataDigests(h.db)).toEqual(digests);
  });

  it('restores the snapshot taken before 0002 through the restore event: every table as it was at 0001', async () => {
    const changed = changedTables(digestsAt0001, await dataDigests(h.db));
    expect(changed).toEqual(['ai_feedback_feedback', 'analytics_analytics', 'core_feedbacktype', 'essay_submission_essay']);
    const report = await h.restore(snapshotAt0001);
    expect(report.restore.schemaVersion).toBe('0001');
    expect(report.restore.totalRows).toBe(Object.values(countsAt0001).reduce((a, b) => a + b, 0));
    expect(await dataDigests(h.db)).toEqual(digestsAt0001);
    expect(await rowCounts(h.db)).toEqual(countsAt0001);
    expect(await schemaShape(h.db)).toEqual(shapeBefore);
    expect(await feedbackTypes(h)).toEqual([]);
    expect((await movedAnalytics(h)).rows).toBe(0);
  }, 120_000);

  it('verifies at 0001 (only the release pending), then migrates again to the release and verifies', async () => {
    // The function's bundle is ahead of the database: verification passes 0001's verify script and
    // every built-in check, and fails on exactly the seven pending versions.
    const atBackfill = await h.verify();
    expect(atBackfill.verification.checks.filter((c) => c.check === 'verify-script').map((c) => [c.object, c.passed])).toEqual([
      ['0001_essay_word_count_backfill/verify.sql', true],
    ]);
    const failing = atBackfill.verification.checks.filter((c) => !c.passed && c.severity === 'error');
    expect(failing.map((c) => [c.check, c.message])).toEqual(
      h.bundle.migrations.slice(1).map((m) => ['schema-history', `${m.version} (${m.name}) is pending`]),
    );

    const report = await h.migrate();
    expect(report.migrate.applied.map((m) => m.version)).toEqual(ABOVE_BACKFILL);
    expect(report.snapshot?.schemaVersion).toBe('0001');
    expect(report.ok, JSON.stringify(report.verification.checks.filter((c) => !c.passed))).toBe(true);
    expect(await feedbackTypes(h)).toEqual(FEEDBACK_TYPES);
    expect(await movedAnalytics(h)).toEqual({ rows: OLD_ANALYTICS, old_ids: OLD_ANALYTICS, matching: OLD_ANALYTICS });
    expect((await h.status()).pending).toEqual([]);
    const verify = await h.verify();
    expect(verify.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    expect(verify.verification.ok).toBe(true);
  }, 180_000);
});
