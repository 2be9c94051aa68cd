/**
 * The `up.ts` skeleton `rds-migrate new <name> --data` writes (native layout): a TypeScript data
 * migration (`lambda/engine/data/data-migration.ts`) with a batched backfill as the example, exported
 * as `upExample`: until it is renamed `up` the compiler refuses the module (it exports no `up`), as it
 * refuses an up.sql without a statement. Its `down` throws until written, so a rollback cannot
 * record a revert that did nothing.
 */

/**
 * The module's text.
 * @param folder the migration's folder, `<version>_<name>` (named in the errors it throws)
 * @param down whether to export `down` (without it the migration is irreversible)
 */
export function dataMigrationTemplate(folder: string, down: boolean): string {
  const revert = down
    ? `
/** Reverts up (rds-migrate rollback --to <the version before>). Delete it if the change cannot be reverted. */
export async function down(ctx: DataMigrationContext): Promise<void> {
  throw new Error('the down function of ${folder} is not written yet');
  // e.g. await ctx.db.execute('ALTER TABLE invoice DROP COLUMN IF EXISTS amount_cents');
}
`
    : '';
  return `/**
 * ${folder}: a data migration. up(ctx) runs in this migration's place in version order; work done in
 * batches (ctx.backfill, ctx.batches) is checkpointed with each batch, so a run cut off by the
 * function's time budget continues after the last checkpoint. up may run again when a run is
 * continued: write it to be safe to repeat. Never log row data.
 *
 * Bundled with esbuild at synth (and by the CLI): imports are inlined, \`import type\` is erased.
 */
import type { DataMigrationContext } from 'rds-migrate/lambda/engine/data/data-migration';

/**
 * The change: a column added and filled in batches of 5,000 rows, keyset-paginated on the primary key.
 * Rename this function to \`up\` once it does what you need: until the module exports \`up\`, every
 * command refuses it (as an up.sql without a statement).
 */
export async function upExample(ctx: DataMigrationContext): Promise<void> {
  await ctx.db.execute('ALTER TABLE invoice ADD COLUMN IF NOT EXISTS amount_cents bigint');
  const report = await ctx.backfill({
    table: 'public.invoice',
    key: 'id',
    batchSize: 5000,
    set: 'amount_cents = round(amount * 100)',
    where: 'amount_cents IS NULL',
  });
  ctx.log.info('amount_cents backfilled', { rows: report.rows, totalRows: report.totalRows });
}
${revert}`;
}
