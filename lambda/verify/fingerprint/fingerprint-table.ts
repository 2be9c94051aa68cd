/**
 * Where schema fingerprints are kept: `<historySchema>.schema_fingerprint` (default
 * `rds_migrate.schema_fingerprint`), next to the schema history. One row per recording, newest last;
 * the verification compares the live catalog with the newest row. The recording keeps the newest
 * {@link KEEP_FINGERPRINTS} rows.
 */
import type { Driver } from '../../driver/driver';
import { withTransaction } from '../../driver/transaction';
import { quoteIdentifier } from '../../driver/quote-identifier';
import { historyTables, type HistoryOptions } from '../../engine/history/tables';

/** Fingerprints kept; older rows are deleted when a new one is recorded. */
export const KEEP_FINGERPRINTS = 20;

export interface FingerprintTable {
  /** The schema name, unquoted (e.g. `rds_migrate`): never part of a fingerprint. */
  readonly schema: string;
  /** `"rds_migrate"."schema_fingerprint"`, ready to write into SQL. */
  readonly table: string;
}

/**
 * Resolves the fingerprint table for `historySchema`.
 * @throws {Error} naming `historySchema` when it is not a valid identifier
 */
export function fingerprintTable(options: HistoryOptions = {}): FingerprintTable {
  const { schema } = historyTables(options.historySchema);
  return { schema, table: `${quoteIdentifier(schema)}."schema_fingerprint"` };
}

/**
 * The fingerprint table:
 * - `version`: highest applied migration version when recorded (null before any);
 * - `schemas`: the covered schemas, comma-separated, as configured;
 * - `format`: the document format (`FINGERPRINT_FORMAT`); a fingerprint of another format is not compared;
 * - `document`: `{"format": 1, "schemas": [...], "objects": {"<object>": <definition>, ...}}`;
 * - `sha256`: hex digest of `document::text` (jsonb prints keys in a fixed order), equal for equal schemas;
 * - `object_count`: number of objects in the document.
 */
export function createFingerprintTableSql(t: FingerprintTable): string {
  return `CREATE TABLE IF NOT EXISTS ${t.table} (
  id bigserial PRIMARY KEY,
  version text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  recorded_by text NOT NULL,
  schemas text NOT NULL,
  format integer NOT NULL,
  object_count integer NOT NULL,
  sha256 text NOT NULL,
  document jsonb NOT NULL
)`;
}

/**
 * Creates the fingerprint table (and its schema) when missing. Idempotent and safe when several
 * runners call it at once (a transaction-level advisory lock serialises the creation, as
 * `ensureSchemaHistory` does). Cost: one call when the table exists; a short transaction otherwise.
 * @throws {DatabaseError} when the role may not create it (SQLSTATE 42501)
 */
export async function ensureFingerprintTable(driver: Driver, options: HistoryOptions = {}): Promise<FingerprintTable> {
  const t = fingerprintTable(options);
  const exists = await driver.execute<{ present: boolean }>('SELECT to_regclass(:table) IS NOT NULL AS present', { table: t.table });
  if (exists.rows[0]?.present) return t;
  await withTransaction(driver, async (tx) => {
    await tx.execute('SELECT pg_advisory_xact_lock(hashtext(:key))::text AS locked', { key: `rds-migrate:ensure:${t.schema}` });
    await tx.execute(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(t.schema)}`);
    await tx.execute(createFingerprintTableSql(t));
  });
  return t;
}
