import { randomBytes } from 'node:crypto';

/**
 * Snapshot ids sort by time as plain strings: `YYYYMMDDTHHMMSSZ-<suffix>`, the UTC start time in
 * ISO 8601 basic format followed by 8 lowercase hex characters: the milliseconds of the start time
 * (3 hex digits, 000 to 3e7), so that two snapshots started in the same second still sort by time
 * (newest first in listings, keep-N retention), then 5 random hex digits so that they do not collide.
 * Example: `20250314T091500Z-3fa9c01b`.
 *
 * The id becomes one segment of S3 keys, so an id given from outside (CLI, event) must match
 * {@link SNAPSHOT_ID_PATTERN}: nothing else can reach a key.
 */
export const SNAPSHOT_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{8}$/;

/** Returns a new snapshot id for the time `now` (default: the current time). */
export function newSnapshotId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  const millis = now.getUTCMilliseconds().toString(16).padStart(3, '0');
  return `${stamp}-${millis}${randomBytes(3).toString('hex').slice(0, 5)}`;
}

/**
 * Checks a snapshot id given from outside.
 * @throws {Error} naming `field` (default `snapshotId`) when `id` does not match {@link SNAPSHOT_ID_PATTERN}
 */
export function assertSnapshotId(id: unknown, field = 'snapshotId'): asserts id is string {
  if (typeof id !== 'string' || !SNAPSHOT_ID_PATTERN.test(id)) {
    throw new Error(
      `${field}: ${JSON.stringify(id)} is not a snapshot id; expected YYYYMMDDTHHMMSSZ-xxxxxxxx (UTC time, 8 hex characters), e.g. 20250314T091500Z-3fa9c01b`,
    );
  }
}

/** The UTC start time encoded in a snapshot id (second precision). */
export function snapshotIdTime(id: string): Date {
  assertSnapshotId(id);
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id)!;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
