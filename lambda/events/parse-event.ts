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

/**
 * Bounds of what a refusal repeats of the event, so that a hostile event (100,000 unknown fields, a
 * field name of megabytes) cannot make the error, and the log line carrying it, as big as itself.
 */
const MAX_ISSUES = 20;
const MAX_UNKNOWN_FIELDS = 10;
const MAX_FIELD_NAME = 64;

const fieldName = (name: string): string => (name.length <= MAX_FIELD_NAME ? name : `${name.slice(0, MAX_FIELD_NAME - 3)}...`);

function unknownFields(path: string, keys: readonly string[]): string {
  const named = keys.slice(0, MAX_UNKNOWN_FIELDS).map((k) => fieldName(path === '(event)' ? k : `${path}.${k}`));
  const more = keys.length > MAX_UNKNOWN_FIELDS ? ` and ${keys.length - MAX_UNKNOWN_FIELDS} more` : '';
  return `${named.join(', ')}${more}: unknown field`;
}

function describeIssues(error: z.ZodError): string[] {
  const issues = error.issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map((p) => fieldName(String(p))).join('.') : '(event)';
    if (issue.code === 'unrecognized_keys') return unknownFields(path, issue.keys);
    if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
      return `${path}: expected one of ${manualEventSchema.options.map((o) => JSON.stringify(o.shape.action.value)).join(', ')}`;
    }
    return `${path}: ${issue.message}`;
  });
  if (error.issues.length > MAX_ISSUES) issues.push(`and ${error.issues.length - MAX_ISSUES} more issue(s)`);
  return issues;
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
