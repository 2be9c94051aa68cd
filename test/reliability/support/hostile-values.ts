/**
 * fast-check arbitraries of hostile input for the function: strings built to break out of SQL, keys or
 * version patterns, and events shaped like the real ones (manual, CloudFormation, EventBridge) with
 * such values in every field, next to arbitrary JSON.
 */
import fc from 'fast-check';

/** Hand-picked attempts: SQL breaking out of quotes, comments, dollar quotes, paths, look-alike digits. */
export const INJECTION_STRINGS: readonly string[] = [
  "0022'; DROP TABLE canary; --",
  '1; DROP TABLE canary',
  '0001); DROP TABLE canary; --',
  '$$; DROP TABLE canary; $$',
  '$x$ DROP TABLE canary $x$',
  '" OR 1=1 --',
  '0001 --',
  '0001;',
  '0001\n',
  ' 0001',
  '0001\u0000',
  '\u0000',
  '０００１',
  '٠٠٠١',
  '0x10',
  '-1',
  '1e3',
  'NaN',
  '1.',
  '.1',
  '1..2',
  '1'.repeat(65),
  '9'.repeat(64),
  '../../etc/passwd',
  '..',
  '/',
  '%2e%2e%2f',
  'a/../../b',
  '__proto__',
  'constructor',
  'toString',
  '\u202e0001',
  'public; DROP TABLE canary',
  'Public',
  'pg_catalog',
  'rds_migrate',
];

/** A hostile string: a hand-picked attempt, or arbitrary text (Unicode, binary, digits and dots). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...INJECTION_STRINGS) },
  { weight: 2, arbitrary: fc.string() },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9.]{1,70}$/) },
);

/** Any JSON-ish value, hostile strings included. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
);

/** The console actions (`events/manual-event.ts`). */
export const MANUAL_ACTIONS = ['status', 'migrate', 'verify', 'snapshot', 'plan', 'rollback', 'baseline', 'list-snapshots', 'restore', 'repair', 'unlock'] as const;

/** `{"action": ..., ...}` with a known or hostile action and hostile members (every field any action takes). */
export const manualEvent = fc.record(
  {
    action: fc.oneof(fc.constantFrom(...MANUAL_ACTIONS), hostileString),
    targetVersion: hostileValue,
    version: hostileValue,
    confirm: hostileValue,
    snapshotId: hostileValue,
    targetDatabase: hostileValue,
    transaction: hostileValue,
    limit: hostileValue,
    source: hostileValue,
    direction: hostileValue,
    force: hostileValue,
  },
  { requiredKeys: ['action'] },
);

/** A CloudFormation custom resource request with hostile properties. */
export const customResourceEvent = fc.record(
  {
    RequestType: fc.oneof(fc.constantFrom('Create', 'Update', 'Delete'), hostileString),
    ResourceProperties: fc.oneof(
      fc.record({ MigrationsChecksum: hostileValue, TargetVersion: hostileValue, BaselineVersion: hostileValue, ServiceToken: hostileValue }, { requiredKeys: [] }),
      hostileValue,
    ),
    PhysicalResourceId: hostileValue,
    OldResourceProperties: hostileValue,
    RequestId: hostileValue,
  },
  { requiredKeys: ['RequestType'] },
);

/** An EventBridge scheduled event with hostile members. */
export const scheduledEvent = fc.record(
  {
    'detail-type': fc.oneof(fc.constant('Scheduled Event'), hostileString),
    source: fc.oneof(fc.constant('aws.events'), hostileString),
    time: hostileValue,
    resources: hostileValue,
    detail: hostileValue,
  },
  { requiredKeys: ['detail-type'] },
);

/** Any event the function could be sent. */
export const anyEvent: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: manualEvent },
  { weight: 3, arbitrary: customResourceEvent },
  { weight: 2, arbitrary: scheduledEvent },
  { weight: 1, arbitrary: fc.jsonValue() },
  { weight: 1, arbitrary: fc.anything() },
);

/** A value nested `depth` levels deep in arrays (a parser's stack, not its input size, is the target). */
export function deeplyNested(depth: number): unknown {
  let value: unknown = '0001';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** Version-like strings: the bundle's own versions, neighbours and look-alikes that pass the version pattern. */
const versionLike = fc.oneof(
  fc.constantFrom('0001', '0002', '0003', '0004', '1', '0', '0005', '1.0', '0004.1', '9999'),
  fc.stringMatching(/^[0-9]{1,4}(\.[0-9]{1,2})?$/),
);

/** Valid events (so the handler gets past parsing), with version-like targets in and outside the bundle. */
export const plausibleEvent: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    { action: 'status' },
    { action: 'verify' },
    { action: 'verify', source: 'schedule' },
    { action: 'snapshot' },
    { action: 'migrate' },
    { 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-01-01T00:00:00Z', resources: [] },
  ),
  versionLike.map((targetVersion) => ({ action: 'migrate', targetVersion })),
  versionLike.map((targetVersion) => ({ action: 'plan', targetVersion })),
  versionLike.map((targetVersion) => ({ action: 'rollback', targetVersion, confirm: targetVersion })),
  fc.integer({ min: 1, max: 1000 }).map((limit) => ({ action: 'list-snapshots', limit })),
  fc
    .tuple(fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }), fc.stringMatching(/^[0-9a-f]{8}$/), fc.option(hostileString.filter((s) => s.length > 0 && s.length <= 63 && !s.includes('\0'))))
    .map(([when, hex, targetDatabase]) => {
      const snapshotId = `${when.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}-${hex}`;
      return { action: 'restore', snapshotId, confirm: snapshotId, ...(targetDatabase === null ? {} : { targetDatabase }) };
    }),
  fc.record(
    {
      RequestType: fc.constantFrom('Create', 'Update', 'Delete'),
      ResourceProperties: fc.record({ MigrationsChecksum: fc.string({ minLength: 1, maxLength: 20 }), TargetVersion: versionLike }, { requiredKeys: ['MigrationsChecksum'] }),
    },
    { requiredKeys: ['RequestType', 'ResourceProperties'] },
  ),
);
