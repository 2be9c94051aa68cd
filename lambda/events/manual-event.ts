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
 */
export const manualEventSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('status') }),
  z.strictObject({ action: z.literal('migrate'), targetVersion: versionSchema.optional() }),
  z.strictObject({ action: z.literal('verify'), source: z.enum(['manual', 'schedule']).optional() }),
  z.strictObject({ action: z.literal('snapshot') }),
]);

export type ManualEvent = z.infer<typeof manualEventSchema>;
export type ManualAction = ManualEvent['action'];
