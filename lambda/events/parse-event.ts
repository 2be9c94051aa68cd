import { z } from 'zod';
import { customResourceEventSchema, type CustomResourceEvent } from './custom-resource-event';
import { manualEventSchema, type ManualEvent } from './manual-event';
import { scheduledEventSchema, type ScheduledEvent } from './scheduled-event';

/** An event the function recognised and validated, by where it came from. */
export type FunctionEvent =
  | { readonly kind: 'manual'; readonly event: ManualEvent }
  | { readonly kind: 'schedule'; readonly event: ScheduledEvent }
  | { readonly kind: 'custom-resource'; readonly event: CustomResourceEvent };

/**
 * The event was refused before anything touched the database. `issues` lists each bad field as
 * `path: problem`; the message carries them all.
 */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(readonly issues: string[]) {
    super(`Invalid event: ${issues.join('; ')}`);
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(event)';
    if (issue.code === 'unrecognized_keys') return `${issue.keys.map((k) => (path === '(event)' ? k : `${path}.${k}`)).join(', ')}: unknown field`;
    if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
      return `${path}: expected one of ${manualEventSchema.options.map((o) => JSON.stringify(o.shape.action.value)).join(', ')}`;
    }
    return `${path}: ${issue.message}`;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Classifies and validates an incoming event:
 * - has `RequestType` → a CloudFormation custom resource request;
 * - has `detail-type` → an EventBridge scheduled event (answered with verify);
 * - otherwise → a manual event with an `action`.
 * @throws {InvalidEventError} listing each bad field; nothing has been done yet.
 */
export function parseEvent(event: unknown): FunctionEvent {
  if (!isRecord(event)) {
    throw new InvalidEventError([`(event): expected a JSON object such as {"action":"status"}, got ${event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event}`]);
  }
  if ('RequestType' in event) {
    const parsed = customResourceEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidEventError(describeIssues(parsed.error));
    return { kind: 'custom-resource', event: parsed.data };
  }
  if ('detail-type' in event) {
    const parsed = scheduledEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidEventError(describeIssues(parsed.error));
    return { kind: 'schedule', event: parsed.data };
  }
  const parsed = manualEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidEventError(describeIssues(parsed.error));
  return { kind: 'manual', event: parsed.data };
}
