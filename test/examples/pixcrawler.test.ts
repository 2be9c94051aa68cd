/**
 * PixCrawler (shared/seeds/002): Alembic revision 001_initial_schema on a database that already holds
 * orphaned rows, run end to end by the synthesized function over the local Data API and S3: snapshot,
 * migrate (orphans reported in orphaned_rows, cleaned up, foreign keys added NOT VALID then validated),
 * the guide's checks, the new release writing (and deleting a profile, with its cascades), rollback
 * through the function's `rollback` event (orphans put back), the restore of the snapshot taken before
 * migrating through its `restore` event (the deleted rows back, the data exactly as before), migrate
 * and verify again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintMigrationsFolder } from '../../lambda/lint';
import { PIXCRAWLER_MIGRATIONS, loadPixCrawler } from '../../examples/pixcrawler/load-example';
import { changedTables, dataDigests, plannedIndexes, probe, rowCounts, schemaShape, type SchemaShape, type TableDigest } from './support/database-state';
import { startExampleHarness, type ExampleHarness } from './support/example-harness';
import { expectWholeBundleMigrated } from './support/migrate-assertions';

type Orphans = Record<'projects' | 'crawl_jobs' | 'images' | 'activity_logs', number[]>;

/**
 * The rows the foreign keys would reject, found independently of the migration: rows whose parent is
 * missing, or whose chain up to a profile is broken (the guide's DELETEs, run in order, remove those).
 */
async function findOrphans(h: ExampleHarness): Promise<Orphans> {
  const ids = async (sql: string): Promise<number[]> => (await h.db.sql(sql)).rows.map((r: { id: number }) => r.id);
  return {
    projects: await ids(`SELECT id FROM projects p WHERE NOT EXISTS (SELECT 1 FROM profiles pr WHERE pr.id = p.user_id) ORDER BY id`),
    crawl_jobs: await ids(
      `SELECT id FROM crawl_jobs c WHERE NOT EXISTS (
         SELECT 1 FROM projects p JOIN profiles pr ON pr.id = p.user_id WHERE p.id = c.project_id) ORDER BY id`,
    ),
    images: await ids(
      `SELECT id FROM images i WHERE NOT EXISTS (
         SELECT 1 FROM crawl_jobs c JOIN projects p ON p.id = c.project_id JOIN profiles pr ON pr.id = p.user_id
          WHERE c.id = i.crawl_job_id) ORDER BY id`,
    ),
    activity_logs: await ids(
      `SELECT id FROM activity_logs a WHERE a.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM profiles pr WHERE pr.id = a.user_id) ORDER BY id`,
    ),
  };
}

/** The guide's queries from its "Performance Impact" section, each with the index it adds for it. */
const GUIDE_QUERIES: Array<{ purpose: string; index: string; sql: string; seqscan?: boolean }> = [
  {
    purpose: 'a user’s projects',
    index: 'ix_project_user_id',
    sql: `SELECT id, name FROM projects WHERE user_id = md5('pixcrawler-profile-42')::uuid`,
  },
  {
    purpose: 'a project’s crawl jobs by status',
    index: 'ix_crawl_job_project_status',
    sql: `SELECT id FROM crawl_jobs WHERE project_id = 17 AND status = 'completed'`,
  },
  {
    purpose: 'a crawl job’s images',
    index: 'ix_image_crawl_job_id',
    sql: `SELECT id, storage_url FROM images WHERE crawl_job_id = 77`,
  },
  {
    purpose: 'recent activity',
    index: 'ix_activity_log_timestamp',
    sql: `SELECT id, action FROM activity_logs ORDER BY "timestamp" DESC LIMIT 20`,
  },
  {
    purpose: 'a user’s activity',
    index: 'ix_activity_log_user_id',
    sql: `SELECT id FROM activity_logs WHERE user_id = md5('pixcrawler-profile-42')::uuid`,
  },
  {
    // A seventh of the jobs share a status: at 4,000 rows a sequential scan is cheaper; shown with
    // enable_seqscan off that the status index answers the filter.
    purpose: 'filter crawl jobs by status',
    index: 'ix_crawl_job_status',
    sql: `SELECT id FROM crawl_jobs WHERE status = 'failed'`,
    seqscan: false,
  },
  {
    purpose: 'a profile by email (300 profiles: enable_seqscan off)',
    index: 'ix_profiles_email',
    sql: `SELECT id FROM profiles WHERE email = 'user42@pixcrawler.dev'`,
    seqscan: false,
  },
];

describe('PixCrawler example through the synthesized function', () => {
  let h: ExampleHarness;
  let countsBefore: Record<string, number>;
  let shapeBefore: SchemaShape;
  let digestsBefore: Record<string, TableDigest>;
  let orphans: Orphans;
  let snapshotProjects: Map<number, Record<string, unknown>>;
  let firstSnapshotId: string;

  beforeAll(async () => {
    h = await startExampleHarness({ name: 'pixcrawler', migrationsDir: PIXCRAWLER_MIGRATIONS, load: loadPixCrawler });
    countsBefore = await rowCounts(h.db);
    shapeBefore = await schemaShape(h.db);
    digestsBefore = await dataDigests(h.db);
    orphans = await findOrphans(h);
  }, 300_000);
  afterAll(() => h?.close());

  it('lints clean: indexes CONCURRENTLY, foreign keys NOT VALID and validated in a later migration', async () => {
    const report = await lintMigrationsFolder(PIXCRAWLER_MIGRATIONS);
    expect(report.findings).toEqual([]);
    expect(report.files).toEqual(h.bundle.migrations.map((m) => m.up.file));
  });

  it('starts with orphaned rows, as the guide’s troubleshooting queries find them', async () => {
    for (const [table, ids] of Object.entries(orphans)) expect(ids.length, table).toBeGreaterThan(0);
    // The guide's own queries (NOT IN) find the direct orphans; the chains below them come on top.
    const guide = await h.db.sql(
      `SELECT (SELECT count(*) FROM projects WHERE user_id NOT IN (SELECT id FROM profiles))::int AS projects,
              (SELECT count(*) FROM crawl_jobs WHERE project_id NOT IN (SELECT id FROM projects))::int AS crawl_jobs`,
    );
    expect(guide.rows[0].projects).toBe(orphans.projects.length);
    expect(guide.rows[0].crawl_jobs).toBeGreaterThan(0);
    expect(guide.rows[0].crawl_jobs).toBeLessThan(orphans.crawl_jobs.length);
    // No foreign key yet: that is how the orphans got in.
    const foreignKeys = await h.db.sql(`SELECT count(*)::int AS n FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace`);
    expect(foreignKeys.rows[0].n).toBe(0);
  });

  it('migrates: snapshot with the orphans in it, 001.1 to 001.4 applied, every verify script passed', async () => {
    const report = await h.migrate();
    const manifest = await expectWholeBundleMigrated(h, report, countsBefore);
    expect(h.bundle.migrations.map((m) => [m.version, m.transactional])).toEqual([
      ['001.1', true],
      ['001.2', false],
      ['001.3', true],
      ['001.4', true],
    ]);
    firstSnapshotId = manifest.snapshotId;
    const projects = manifest.tables.find((t) => t.table === 'projects')!;
    snapshotProjects = new Map((await h.readTableRows(projects.key)).map((row) => [row.id as number, row]));
    for (const id of orphans.projects) expect(snapshotProjects.has(id), `project ${id} in the snapshot`).toBe(true);
  });

  it('reports every orphaned row in orphaned_rows, whole, and cleans it up', async () => {
    const reported = await h.db.sql(`SELECT table_name, row_id::int AS id, cleanup, row_data FROM orphaned_rows ORDER BY table_name, row_id`);
    const byTable = (table: string) => reported.rows.filter((r: { table_name: string }) => r.table_name === table);
    for (const table of Object.keys(orphans) as Array<keyof Orphans>) {
      expect(byTable(table).map((r: { id: number }) => r.id), table).toEqual(orphans[table]);
    }
    expect(new Set(byTable('activity_logs').map((r: { cleanup: string }) => r.cleanup))).toEqual(new Set(['user_id set to NULL']));
    // A reported project is the very row the snapshot holds.
    const first = byTable('projects')[0] as { id: number; row_data: Record<string, unknown> };
    expect(first.row_data).toEqual(snapshotProjects.get(first.id));

    const counts = await rowCounts(h.db);
    expect(counts['public.projects']).toBe(countsBefore['public.projects']! - orphans.projects.length);
    expect(counts['public.crawl_jobs']).toBe(countsBefore['public.crawl_jobs']! - orphans.crawl_jobs.length);
    expect(counts['public.images']).toBe(countsBefore['public.images']! - orphans.images.length);
    expect(counts['public.activity_logs']).toBe(countsBefore['public.activity_logs']);
    const detached = await h.db.sql(`SELECT count(*)::int AS n FROM activity_logs WHERE user_id IS NULL AND id = ANY($1::int[])`, [orphans.activity_logs]);
    expect(detached.rows[0].n).toBe(orphans.activity_logs.length);
    expect(await findOrphans(h)).toEqual({ projects: [], crawl_jobs: [], images: [], activity_logs: [] });
  });

  it('the foreign keys hold: validated, rejecting orphans, cascading as PixCrawler deletes', async () => {
    const validated = await h.db.sql(
      `SELECT conrelid::regclass::text AS table_name, confrelid::regclass::text AS referenced, convalidated
         FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1, 2`,
    );
    expect(validated.rows).toEqual([
      { table_name: 'activity_logs', referenced: 'profiles', convalidated: true },
      { table_name: 'crawl_jobs', referenced: 'projects', convalidated: true },
      { table_name: 'export_jobs', referenced: 'crawl_jobs', convalidated: true },
      { table_name: 'export_jobs', referenced: 'profiles', convalidated: true },
      { table_name: 'images', referenced: 'crawl_jobs', convalidated: true },
      { table_name: 'projects', referenced: 'profiles', convalidated: true },
      { table_name: 'validation_jobs', referenced: 'crawl_jobs', convalidated: true },
    ]);
    expect(await probe(h.db, `INSERT INTO projects (name, user_id) VALUES ('ghost', gen_random_uuid())`)).toMatchObject({ ok: false, code: '23503' });
    expect(await probe(h.db, `INSERT INTO images (crawl_job_id, original_url, filename) VALUES (999999, 'https://x/1.jpg', '1.jpg')`)).toMatchObject({
      ok: false,
      code: '23503',
    });
    expect(await probe(h.db, `INSERT INTO validation_jobs (crawl_job_id, name) VALUES (999999, 'v')`)).toMatchObject({ ok: false, code: '23503' });

    // Deleting a profile takes its projects, their crawl jobs, images and job rows with it, and keeps its activity.
    const profile = `md5('pixcrawler-profile-42')::uuid`;
    const cascade = await probe(
      h.db,
      `INSERT INTO validation_jobs (crawl_job_id, name) SELECT c.id, 'validate ' || c.id FROM crawl_jobs c JOIN projects p ON p.id = c.project_id WHERE p.user_id = ${profile}`,
      `INSERT INTO export_jobs (crawl_job_id, user_id, name) SELECT c.id, ${profile}, 'export ' || c.id FROM crawl_jobs c JOIN projects p ON p.id = c.project_id WHERE p.user_id = ${profile}`,
      `DELETE FROM profiles WHERE id = ${profile}`,
      `SELECT (SELECT count(*) FROM projects WHERE user_id = ${profile})::int AS projects,
              (SELECT count(*) FROM crawl_jobs c WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id))::int AS orphaned_jobs,
              (SELECT count(*) FROM images i WHERE NOT EXISTS (SELECT 1 FROM crawl_jobs c WHERE c.id = i.crawl_job_id))::int AS orphaned_images,
              (SELECT count(*) FROM validation_jobs)::int + (SELECT count(*) FROM export_jobs)::int AS job_rows,
              (SELECT count(*) FROM activity_logs WHERE user_id = ${profile})::int AS activity_of_profile`,
    );
    expect(cascade).toEqual({ ok: true, rows: [{ projects: 0, orphaned_jobs: 0, orphaned_images: 0, job_rows: 0, activity_of_profile: 0 }] });
    const activity = await h.db.sql(`SELECT count(*)::int AS n FROM activity_logs WHERE user_id = ${profile}`);
    expect(activity.rows[0].n).toBeGreaterThan(0);
  });

  it('verifies from the catalog: the guide’s own foreign key query does not run on PostgreSQL', async () => {
    const guideQuery = await probe(
      h.db,
      `SELECT constraint_name, table_name, column_name FROM information_schema.key_column_usage
        WHERE table_schema = 'public' AND referenced_table_name IS NOT NULL`,
    );
    expect(guideQuery).toMatchObject({ ok: false, code: '42703' });
    const verify = await h.verify();
    expect(verify.verification.checks.find((c) => c.object === '001.3_add_foreign_keys/verify.sql')).toMatchObject({ passed: true });
    expect(verify.verification.ok).toBe(true);
  });

  it('answers the guide’s queries from the indexes it adds for them', async () => {
    await h.db.sql('ANALYZE');
    for (const query of GUIDE_QUERIES) {
      expect(await plannedIndexes(h.db, query.sql, { seqscan: query.seqscan ?? true }), query.purpose).toContain(query.index);
    }
  });

  it('the new release writes: a project crawled, validated and exported; a profile deleted with everything it owns', async () => {
    const owner = `md5('pixcrawler-profile-7')::uuid`;
    const gone = `md5('pixcrawler-profile-42')::uuid`;
    await h.db.sql(
      `WITH project AS (
         INSERT INTO projects (name, description, user_id) VALUES ('Birds 2026', 'after 001_initial_schema', ${owner}) RETURNING id),
       job AS (
         INSERT INTO crawl_jobs (project_id, name, keywords, status) SELECT id, 'sparrows', '["sparrow"]', 'completed' FROM project RETURNING id),
       image AS (
         INSERT INTO images (crawl_job_id, original_url, filename) SELECT id, 'https://example.org/sparrow-' || g || '.jpg', 'sparrow-' || g || '.jpg'
           FROM job, generate_series(1, 3) AS g RETURNING crawl_job_id),
       validation AS (
         INSERT INTO validation_jobs (crawl_job_id, name) SELECT id, 'validate sparrows' FROM job)
       INSERT INTO export_jobs (crawl_job_id, user_id, name) SELECT id, ${owner}, 'export sparrows' FROM job`,
    );
    const owned = await h.db.sql(
      `SELECT (SELECT count(*) FROM projects WHERE user_id = ${gone})::int AS projects,
              (SELECT count(*) FROM activity_logs WHERE user_id = ${gone})::int AS activity`,
    );
    expect(owned.rows[0].projects).toBeGreaterThan(0);
    expect(owned.rows[0].activity).toBeGreaterThan(0);
    // The foreign keys cascade the delete to the profile's projects, their crawl jobs and images, and detach its activity.
    expect((await h.db.sql(`DELETE FROM profiles WHERE id = ${gone}`)).rowCount).toBe(1);
    const counts = await rowCounts(h.db);
    expect(counts['public.projects']).toBe(countsBefore['public.projects']! - orphans.projects.length - owned.rows[0].projects + 1);
    expect(counts['public.validation_jobs']).toBe(1);
    expect(counts['public.export_jobs']).toBe(1);
  });

  it('rolls back through the function’s rollback event: snapshot first, tables, indexes and keys gone, orphans put back', async () => {
    const report = await h.rollback('0');
    expect(report.rollback.reverted.map((m) => m.version)).toEqual(['001.4', '001.3', '001.2', '001.1']);
    expect(report.rollback.current).toBeNull();
    expect(report.snapshot?.schemaVersion).toBe('001.4');
    // The rollback's snapshot has the release's job tables, with their rows.
    expect(report.snapshot?.tables.filter((t) => t.table.endsWith('_jobs')).map((t) => [t.table, t.rows])).toEqual([
      ['public.crawl_jobs', expect.any(Number)],
      ['public.export_jobs', 1],
      ['public.validation_jobs', 1],
    ]);
    expect(report.ok).toBe(true);
    expect(await schemaShape(h.db)).toEqual(shapeBefore);
    expect(await findOrphans(h)).toEqual(orphans);
    // The schema is back; the data the release wrote and deleted is not (down scripts revert the schema).
    expect(changedTables(digestsBefore, await dataDigests(h.db))).toEqual(['activity_logs', 'crawl_jobs', 'images', 'profiles', 'projects']);
    const status = await h.status();
    expect(status.pending).toEqual(h.bundle.migrations.map((m) => m.version));
  });

  it('restores the snapshot taken before migrating, through the function’s restore event: the deleted profile and its rows back, orphans included', async () => {
    const report = await h.restore(firstSnapshotId);
    expect(report.restore.schemaVersion).toBeNull();
    expect(report.restore.totalRows).toBe(Object.values(countsBefore).reduce((a, b) => a + b, 0));
    expect(await dataDigests(h.db)).toEqual(digestsBefore);
    expect(await rowCounts(h.db)).toEqual(countsBefore);
    expect(await findOrphans(h)).toEqual(orphans);
    expect(await schemaShape(h.db)).toEqual(shapeBefore);
  });

  it('migrates again, reporting the same orphans, and verifies', async () => {
    const report = await h.migrate();
    await expectWholeBundleMigrated(h, report, countsBefore);
    const reported = await h.db.sql(`SELECT table_name, count(*)::int AS n FROM orphaned_rows GROUP BY 1 ORDER BY 1`);
    expect(Object.fromEntries(reported.rows.map((r: { table_name: string; n: number }) => [r.table_name, r.n]))).toEqual(
      Object.fromEntries(Object.entries(orphans).map(([table, ids]) => [table, ids.length])),
    );
    const verify = await h.verify();
    expect(verify.verification.checks.filter((c) => !c.passed && c.severity === 'error')).toEqual([]);
    expect(verify.verification.ok).toBe(true);
  });
});
