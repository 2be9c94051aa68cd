import { z } from 'zod';
import { inspectionSchemaProblem } from '../snapshot/restore/inspection-schema';
import { SNAPSHOT_ID_PATTERN } from '../snapshot/snapshot-id';
import { versionSchema } from './version';

/**
 * Events an operator sends from the Lambda console (or `rds-migrate invoke`), one per action.
 * Unknown fields are refused, so a typo (`targetVerison`) is an error rather than a silent default.
 *
 * - `{"action":"status"}`: each version applied, pending, failed, missing or changed.
 * - `{"action":"migrate"}` or `{"action":"migrate","targetVersion":"0022"}`: snapshot (when anything
 *   is pending), apply the pending migrations up to the target (default: the latest), verify.
 * - `{"action":"verify"}`: run the verification checks and return the report.
 * - `{"action":"snapshot"}`: take a snapshot now.
 * - `{"action":"plan"}` or `{"action":"plan","targetVersion":"0022"}`: the exact statements migrate
 *   would run now (the engine's plan: transactions, timeouts, schema history writes); changes nothing.
 *   `{"action":"plan","direction":"down","targetVersion":"0021"}`: the same for rollback to 0021.
 * - `{"action":"rollback","targetVersion":"0021","confirm":"0021"}`: snapshot, then revert the applied
 *   migrations above the target with their down scripts (`0` reverts everything); `confirm` must repeat
 *   `targetVersion`. Refused before anything runs when a migration to revert has no down script.
 * - `{"action":"baseline","version":"0021"}`: record every version up to 0021 as applied without running
 *   it, for a database that already has those changes (their verify scripts must pass first).
 * - `{"action":"repair"}`: accept the changed checksums of applied migrations (the old one kept, with who
 *   accepted it) and remove failed rows, so the next migrate runs those migrations from their start.
 * - `{"action":"unlock"}`: release the migration lock left by a runner that died, naming its holder.
 * - `{"action":"list-snapshots"}` or `{"action":"list-snapshots","limit":5}`: the complete snapshots,
 *   newest first, described from their manifests.
 * - `{"action":"restore","snapshotId":"20250314T091500Z-3fa9c01b","confirm":"20250314T091500Z-3fa9c01b"}`:
 *   replace the rows of the snapshot's tables with the snapshot's; `confirm` must repeat the id.
 *   `"targetDatabase":"app_inspect"` restores a copy into another database of the cluster instead (its
 *   schema brought to the snapshot's version first), `"targetSchema":"inspect"` into a new schema of the
 *   database, next to the live tables (created from the manifest); `"transaction":"single"|"per-table"|"auto"`.
 *   `"dryRun":true` (no `confirm` needed) changes nothing and answers what the restore would do: the tables
 *   it would empty and load, in order, with their rows, or the refusal it would meet (`planRestore`); with
 *   `targetDatabase`, the migrations it would apply there first too (`runRestorePlan`).
 */
const snapshotIdField = z
  .string()
  .regex(SNAPSHOT_ID_PATTERN, 'a snapshot id is YYYYMMDDTHHMMSSZ-xxxxxxxx (UTC time, 8 hex characters), as list-snapshots lists it');

/** A database name: an identifier of at most 63 bytes (NAMEDATALEN - 1), without NUL. */
const databaseField = z
  .string()
  .min(1, 'a database name is not empty')
  .max(63, 'a database name has at most 63 characters')
  .refine((name) => !name.includes('\0'), 'a database name has no NUL character');

/** A new schema's name (`inspectionSchemaProblem`: not empty, at most 63 bytes, not pg_*, not rds_migrate, no NUL). */
const schemaField = z.string().superRefine((name, ctx) => {
  const problem = inspectionSchemaProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', message: `the schema name ${problem}` });
});

/**
 * A version that must be given: digits with optional dots (`versionSchema`), with `why` in the error
 * when the field is missing.
 */
const requiredVersion = (why: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? `is required: ${why}` : 'a version is a string of digits with optional dots, e.g. "0021"') })
    .pipe(versionSchema);

export const manualEventSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('status') }),
  z.strictObject({ action: z.literal('migrate'), targetVersion: versionSchema.optional() }),
  z.strictObject({ action: z.literal('verify'), source: z.enum(['manual', 'schedule']).optional() }),
  z.strictObject({ action: z.literal('snapshot') }),
  z.strictObject({
    action: z.literal('list-snapshots'),
    limit: z.number().int('limit is a whole number').min(1, 'limit is at least 1').max(1000, 'limit is at most 1000').optional(),
  }),
  z
    .strictObject({
      action: z.literal('restore'),
      snapshotId: snapshotIdField,
      confirm: z.string({ error: 'must be a string: the snapshot id repeated' }).optional(),
      targetDatabase: databaseField.optional(),
      targetSchema: schemaField.optional(),
      transaction: z.enum(['single', 'per-table', 'auto']).optional(),
      dryRun: z.boolean({ error: 'must be true or false' }).optional(),
    })
    .refine((event) => event.dryRun === true || event.confirm !== undefined, {
      path: ['confirm'],
      message: 'is required: repeat the snapshot id to confirm that the current rows are replaced (or give "dryRun": true to see what a restore would do)',
    })
    .refine((event) => event.dryRun === true || event.confirm === undefined || event.confirm === event.snapshotId, {
      path: ['confirm'],
      message: 'does not repeat snapshotId: nothing is restored without the exact id confirmed',
    })
    .refine((event) => event.targetSchema === undefined || event.targetDatabase === undefined, {
      path: ['targetSchema'],
      message: 'give targetDatabase or targetSchema, not both',
    }),
  z
    .strictObject({ action: z.literal('plan'), targetVersion: versionSchema.optional(), direction: z.enum(['up', 'down'], { error: 'must be "up" or "down"' }).optional() })
    .refine((event) => event.direction !== 'down' || event.targetVersion !== undefined, {
      path: ['targetVersion'],
      message: 'is required with direction "down": the version rollback would end at (0 reverts everything)',
    }),
  z
    .strictObject({
      action: z.literal('rollback'),
      targetVersion: requiredVersion('the version to end at (it stays applied), 0 to revert everything'),
      confirm: z.string({ error: 'is required: repeat targetVersion to confirm that the down scripts run' }),
    })
    .refine((event) => event.confirm === event.targetVersion, {
      path: ['confirm'],
      message: 'does not repeat targetVersion: nothing is rolled back without the exact target confirmed',
    }),
  z.strictObject({ action: z.literal('baseline'), version: requiredVersion('the last version the database already has') }),
  z.strictObject({ action: z.literal('repair') }),
  z.strictObject({ action: z.literal('unlock') }),
]);

export type ManualEvent = z.infer<typeof manualEventSchema>;
export type ManualAction = ManualEvent['action'];
