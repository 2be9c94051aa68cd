/**
 * When migrate records a new schema fingerprint. Recording always would absorb drift made by hand
 * since the last one, so a migrate records only when the schema is known to come from the migrations:
 * - it applied at least one migration (the new fingerprint is the migrations' result);
 * - no fingerprint is recorded yet (first run, or the table was created by an older rds-migrate);
 * - the newest one is of another format, covers other schemas, or belongs to another version than the
 *   current one (a rollback or baseline, which do not record, ran since).
 * Otherwise the newest fingerprint stays, and the verification after migrate compares against it.
 */
import type { Driver } from '../../driver/driver';
import type { HistoryOptions } from '../../engine/history/tables';
import { versionKey } from '../../migrations/compare-versions';
import { DEFAULT_SCHEMAS } from '../schema-scope';
import { FINGERPRINT_FORMAT } from './catalog-objects-sql';
import { readLatestFingerprint, recordFingerprint, type FingerprintRecord } from './record-fingerprint';

export interface RefreshFingerprintOptions extends HistoryOptions {
  /** Migrations the migrate run applied. */
  readonly applied: number;
  /** Highest applied version after the run. */
  readonly version: string | null;
  readonly recordedBy: string;
  /** Covered schemas. @default ['public'] */
  readonly schemas?: readonly string[];
}

export interface RefreshOutcome {
  /** The fingerprint recorded now, or undefined when the newest one was kept. */
  readonly recorded?: FingerprintRecord;
  /** Why it was recorded or kept, one phrase. */
  readonly reason: string;
}

function sameVersion(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : versionKey(a) === versionKey(b);
}

/** Why a new fingerprint is needed, or undefined when the newest one still holds. */
function needsRecording(latest: FingerprintRecord | undefined, options: RefreshFingerprintOptions): string | undefined {
  if (options.applied > 0) return `${options.applied} migration(s) applied`;
  if (!latest) return 'no fingerprint recorded yet';
  if (latest.format !== FINGERPRINT_FORMAT) return `the newest fingerprint has format ${latest.format}, not ${FINGERPRINT_FORMAT}`;
  if (latest.schemas.join(',') !== (options.schemas ?? DEFAULT_SCHEMAS).join(',')) return 'the covered schemas changed';
  if (!sameVersion(latest.version, options.version)) return `the newest fingerprint is of version ${latest.version ?? 'none'}, the schema is at ${options.version ?? 'none'}`;
  return undefined;
}

/**
 * Records a fingerprint after a successful migrate when needed (see the module doc).
 * Cost: 1 call when the newest one is kept; 5 or 6 when recording (`recordFingerprint`, after reading
 * the newest one unless migrations were applied).
 * @throws {DatabaseError} when the fingerprint cannot be read or written
 */
export async function refreshFingerprint(driver: Driver, options: RefreshFingerprintOptions): Promise<RefreshOutcome> {
  const latest = options.applied > 0 ? undefined : await readLatestFingerprint(driver, options);
  const reason = needsRecording(latest, options);
  if (!reason) return { reason: `kept fingerprint ${latest!.id} of version ${latest!.version ?? 'none'}: nothing applied since` };
  const recorded = await recordFingerprint(driver, {
    version: options.version,
    recordedBy: options.recordedBy,
    ...(options.schemas ? { schemas: options.schemas } : {}),
    ...(options.historySchema ? { historySchema: options.historySchema } : {}),
  });
  return { recorded, reason };
}
