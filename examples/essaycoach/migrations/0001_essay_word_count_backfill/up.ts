/**
 * The guide's batch command (`utils/management/commands/migrate_large_table.py`, "Migrate large essay
 * table in batches") as a data migration: every essay's `word_count` (the column
 * essay_submission.0004_auto_add_word_count added, filled by the application only for the essays
 * written since) set to `len(essay.content.split())`, 1,000 essays per batch (the guide's
 * `batch_size`), each batch in a transaction of its own (the guide's `transaction.atomic()` per batch).
 *
 * The guide's loop pages with `essays[i:i+batch_size]` (OFFSET): rows added or reordered while it runs
 * shift the pages, and a run that stops starts again from the first essay. Here the batches page on
 * the primary key after a checkpoint recorded in the batch's own transaction (`ctx.backfill`): a run
 * stopped by the invocation's time budget, or killed, continues after the last committed batch on the
 * next invocation, and no essay is counted twice.
 *
 * The count is Python's `str.split()` without arguments: runs of white space separate words, leading
 * and trailing white space is ignored, an empty or blank essay has 0 words. `regexp_split_to_array`
 * on `\s+` gives an empty first or last element for leading or trailing white space (and `{""}` for an
 * empty text); `array_remove` drops those. (PostgreSQL's `\s` is `[[:space:]]`: the ASCII white space
 * characters Python's split uses too; Python also splits on Unicode spaces such as U+00A0.)
 *
 * Irreversible, as the guide's command has no reverse: there is no `down`, so a rollback to below 0001
 * is refused before anything runs. The values it replaces are NULLs (or the same counts the
 * application wrote); the snapshot taken before it keeps them.
 */
import type { DataMigrationContext } from '../../../../lambda/engine/data/data-migration';

export async function up(ctx: DataMigrationContext): Promise<void> {
  const report = await ctx.backfill({
    name: 'essay_word_count',
    table: 'essay_submission_essay',
    key: 'id',
    batchSize: 1000,
    set: `word_count = cardinality(array_remove(regexp_split_to_array(content, '\\s+'), ''))`,
  });
  ctx.log.info('essay word counts backfilled', { essaysThisRun: report.rows, essaysInAll: report.totalRows, batchesInAll: report.totalBatches });
}
