/**
 * Records the schema fingerprint: the definitions of every object of the covered schemas (see
 * `catalog-objects-sql.ts`), written after a successful migrate so that a later verification can tell
 * what changed outside the migrations (drift). Collected and stored by one INSERT ... SELECT inside
 * the database: the document never travels through the Data API, whatever its size.
 */
import type { Driver, Executor } from '../../driver/driver';
import { isNotCreated, type HistoryOptions } from '../../engine/history/tables';
import { schemasParam } from '../schema-scope';
import { catalogObjectsCtes, FINGERPRINT_FORMAT } from './catalog-objects-sql';
import { withCatalogTransaction } from './catalog-transaction';
import { ensureFingerprintTable, fingerprintTable, KEEP_FINGERPRINTS } from './fingerprint-table';

/** A recorded fingerprint, without its document. */
export interface FingerprintRecord {
  readonly id: number;
  /** Highest applied version when recorded; null when none was applied. */
  readonly version: string | null;
  /** ISO 8601 UTC, ms precision. */
  readonly recordedAt: string;
  readonly recordedBy: string;
  /** Covered schemas, in configured order. */
  readonly schemas: string[];
  /** Document format (`FINGERPRINT_FORMAT` of the rds-migrate that recorded it). */
  readonly format: number;
  readonly objectCount: number;
  /** sha256 hex of the document's text. */
  readonly sha256: string;
}

export interface RecordFingerprintOptions extends HistoryOptions {
  /** The schema version the fingerprint belongs to (the highest applied version), or null. */
  readonly version: string | null;
  /** Who records it (the runner's `appliedBy`). */
  readonly recordedBy: string;
  /** Covered schemas. @default ['public'] */
  readonly schemas?: readonly string[];
}

interface RecordRow extends Record<string, string | number | null> {
  id: number;
  version: string | null;
  recorded_at: string;
  recorded_by: string;
  schemas: string;
  format: number;
  object_count: number;
  sha256: string;
}

const RETURNED = `id, version, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at,
  recorded_by, schemas, format, object_count, sha256`;

function toRecord(r: RecordRow): FingerprintRecord {
  return {
    id: Number(r.id),
    version: r.version,
    recordedAt: r.recorded_at,
    recordedBy: r.recorded_by,
    schemas: r.schemas.split(','),
    format: r.format,
    objectCount: r.object_count,
    sha256: r.sha256,
  };
}

/**
 * Collects and stores the fingerprint of the covered schemas, and deletes all but the newest
 * {@link KEEP_FINGERPRINTS}. Creates the fingerprint table when missing.
 * Cost: 5 calls (table check, BeginTransaction, SET LOCAL, INSERT ... SELECT, Commit), whatever the
 * number of objects.
 * @throws {Error} when a schema name or `historySchema` is not acceptable
 * @throws {DatabaseError} when the catalogs cannot be read or the row cannot be written
 */
export async function recordFingerprint(driver: Driver, options: RecordFingerprintOptions): Promise<FingerprintRecord> {
  const schemas = schemasParam(options.schemas);
  const t = await ensureFingerprintTable(driver, options);
  const sql = `WITH ${catalogObjectsCtes("string_to_array(:schemas, ',')", ':history_schema')},
doc AS (
  SELECT jsonb_build_object('format', ${FINGERPRINT_FORMAT}, 'schemas', to_jsonb(string_to_array(:schemas, ',')),
    'objects', coalesce(jsonb_object_agg(o.object, o.definition), '{}'::jsonb)) AS document,
    count(DISTINCT o.object)::integer AS object_count
  FROM objects o
), inserted AS (
  INSERT INTO ${t.table} (version, recorded_by, schemas, format, object_count, sha256, document)
  SELECT :version, :recorded_by, :schemas, ${FINGERPRINT_FORMAT}, d.object_count,
    encode(sha256(convert_to(d.document::text, 'UTF8')), 'hex'), d.document
  FROM doc d
  RETURNING *
), pruned AS (
  DELETE FROM ${t.table} WHERE id NOT IN (SELECT id FROM ${t.table} ORDER BY id DESC LIMIT ${KEEP_FINGERPRINTS - 1})
)
SELECT ${RETURNED} FROM inserted`;
  const row = await withCatalogTransaction(driver, async (tx) => {
    const { rows } = await tx.execute<RecordRow>(sql, {
      schemas,
      history_schema: t.schema,
      version: options.version,
      recorded_by: options.recordedBy,
    });
    return rows[0]!;
  });
  return toRecord(row);
}

/**
 * The newest recorded fingerprint, or undefined when none was recorded (or the table does not exist).
 * Cost: one call.
 * @throws {DatabaseError} for any failure but a missing table
 */
export async function readLatestFingerprint(db: Executor, options: HistoryOptions = {}): Promise<FingerprintRecord | undefined> {
  const t = fingerprintTable(options);
  try {
    const { rows } = await db.execute<RecordRow>(`SELECT ${RETURNED} FROM ${t.table} ORDER BY id DESC LIMIT 1`);
    return rows[0] ? toRecord(rows[0]) : undefined;
  } catch (error) {
    if (isNotCreated(error)) return undefined;
    throw error;
  }
}
