/**
 * analytics.0006_migrate_old_analytics: every `OldAnalytics` row copied into the new `Analytics` model
 * as an `essay_submission` metric (value: its `submission_count`, its `created_at`, its user), with
 * `metadata = {"old_id": <id>, "migration_source": "old_analytics"}`. The old table is left as it is.
 *
 * The guide loops over `OldAnalytics.objects.all()` creating one row per query in one transaction.
 * Here: 1,000 old rows per batch, one INSERT ... SELECT each, in the batch's transaction with its
 * checkpoint (the last old id moved), so a run stopped by the invocation's time budget continues after
 * the last committed batch. Each old row is moved once even when `up` runs again over rows it already
 * moved (after a rollback, whose reverse keeps them, and a new migrate; or after a crash): a row is
 * skipped when the new table already has its `old_id` from this source (an equality on the two
 * metadata keys, which PostgreSQL answers with one hash anti join per batch; a `@>` containment test
 * without a GIN index on metadata would be evaluated row by row, old row by new row).
 *
 * Reverse: `RunPython.noop`, as in the guide (see `down`).
 */
import type { DataMigrationContext } from '../../../../lambda/engine/data/data-migration';

/** Old rows per batch. */
const BATCH_SIZE = 1000;

interface BatchRow extends Record<string, number | null> {
  last_id: number | null;
  page_rows: number;
  moved: number;
}

export async function up(ctx: DataMigrationContext): Promise<void> {
  const total = await ctx.db.execute<{ n: number }>('SELECT count(*)::integer AS n FROM analytics_oldanalytics');
  const report = await ctx.batches('analytics_oldanalytics', async ({ tx, cursor }) => {
    const { rows } = await tx.execute<BatchRow>(
      `WITH page AS (
         SELECT id, user_id, submission_count, created_at FROM analytics_oldanalytics
          WHERE id > :after ORDER BY id LIMIT ${BATCH_SIZE}
       ), moved AS (
         INSERT INTO analytics_analytics (user_id, metric_type, value, created_at, metadata)
         SELECT p.user_id, 'essay_submission', p.submission_count, p.created_at,
                jsonb_build_object('old_id', p.id, 'migration_source', 'old_analytics')
           FROM page p
          WHERE NOT EXISTS (
            SELECT 1 FROM analytics_analytics a
             WHERE a.metadata ->> 'migration_source' = 'old_analytics' AND a.metadata ->> 'old_id' = p.id::text)
          ORDER BY p.id
         RETURNING 1
       )
       SELECT (SELECT max(id) FROM page) AS last_id, (SELECT count(*) FROM page)::integer AS page_rows,
              (SELECT count(*) FROM moved)::integer AS moved`,
      { after: cursor === null ? 0 : Number(cursor) },
    );
    const { last_id: lastId, page_rows: pageRows, moved } = rows[0]!;
    return { rows: moved, cursor: lastId === null ? cursor : String(lastId), done: pageRows < BATCH_SIZE };
  }, { estimatedRows: total.rows[0]!.n });
  const { rows } = await ctx.db.execute<{ old_rows: number; moved_rows: number }>(
    `SELECT (SELECT count(*) FROM analytics_oldanalytics)::integer AS old_rows,
            (SELECT count(*) FROM analytics_analytics WHERE metadata ->> 'migration_source' = 'old_analytics')::integer AS moved_rows`,
  );
  ctx.log.info('old analytics moved', { movedThisRun: report.rows, movedInAll: report.totalRows, oldRows: rows[0]!.old_rows, newRowsFromOld: rows[0]!.moved_rows });
}

/**
 * `reverse_code=migrations.RunPython.noop`, as in the guide: reverting does nothing. The moved rows
 * stay in `analytics_analytics` (they are copies: `analytics_oldanalytics` still has every original),
 * so the migration can be rolled back through without losing analytics, and applied again without
 * duplicating them (`up` skips the old ids already moved). To remove them by hand:
 * `DELETE FROM analytics_analytics WHERE metadata ->> 'migration_source' = 'old_analytics'`.
 */
export async function down(ctx: DataMigrationContext): Promise<void> {
  ctx.log.info('RunPython.noop: the moved analytics stay in analytics_analytics', { version: ctx.version });
}
