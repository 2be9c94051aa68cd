import { z } from 'zod';
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
 * - `{"action":"rollback","targetVersion":"0021","confirm":"0021"}`: snapshot, then revert the applied
 *   migrations above the target with their down scripts (`0` reverts everything); `confirm` must repeat
 *   `targetVersion`. Refused before anything runs when a migration to revert has no down script.
 * - `{"action":"baseline","version":"0021"}`: record every version up to 0021 as applied without running
 *   it, for a database that already has those changes (their verify scripts must pass first).
 */
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
  z.strictObject({ action: z.literal('plan'), targetVersion: versionSchema.optional() }),
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
]);

export type ManualEvent = z.infer<typeof manualEventSchema>;
export type ManualAction = ManualEvent['action'];
