/**
 * Built-in check `drift`: compares the live catalog with the newest recorded schema fingerprint
 * (`fingerprint/`) and reports each object added, removed or changed outside the migrations, named as
 * in the fingerprint (`index public.faktury_faktura_ocr_confidence_idx`, `column public.faktura.note`).
 *
 * The comparison runs inside the database, in one query: the live objects (over the schemas the
 * fingerprint covers) FULL JOIN the recorded ones, keeping those whose definitions differ. Only the
 * first {@link MAX_LISTED} drifted objects travel back (each at most a few KB, see
 * `catalog-objects-sql.ts`), with the total count, so the call stays under the Data API's 1 MiB.
 * Cost: 4 calls (BeginTransaction, SET LOCAL search_path, the query, Commit), whatever the number of objects.
 *
 * Severities: each drifted object `error`; nothing recorded yet `info` (passes: there is nothing to
 * compare with; migrate records one); a fingerprint of another format, or over other schemas than
 * the configured ones, `warning` (the next migrate records a new one).
 */
import type { Driver } from '../../driver/driver';
import { historyTables, isNotCreated, type HistoryOptions } from '../../engine/history/tables';
import { catalogObjectsCtes, FINGERPRINT_FORMAT } from '../fingerprint/catalog-objects-sql';
import { withCatalogTransaction } from '../fingerprint/catalog-transaction';
import { describeChange } from '../fingerprint/describe-change';
import { fingerprintTable } from '../fingerprint/fingerprint-table';
import type { VerificationCheck } from '../report';
import { DEFAULT_SCHEMAS } from '../schema-scope';

const CHECK = 'drift';

/** Drifted objects listed in a report; the rest are counted. */
export const MAX_LISTED = 50;

/** How an object drifted from the recorded fingerprint. */
export type DriftKind = 'added' | 'removed' | 'changed';

export interface DriftOptions extends HistoryOptions {
  /** The configured schemas, compared with those the fingerprint covers. @default ['public'] */
  readonly schemas?: readonly string[];
}

export interface DriftResult {
  readonly checks: VerificationCheck[];
  /** Objects that drifted, all of them (the checks list at most {@link MAX_LISTED}). */
  readonly driftObjects: number;
}

interface DriftRow extends Record<string, string | number | null> {
  id: number;
  version: string | null;
  schemas: string;
  format: number;
  recorded_at: string;
  total: number;
  object: string | null;
  kind: DriftKind | null;
  expected: string | null;
  found: string | null;
}

function driftSql(table: string): string {
  return `WITH recorded AS (
  SELECT id, version, schemas, format, recorded_at, document FROM ${table} ORDER BY id DESC LIMIT 1
), ${catalogObjectsCtes("string_to_array((SELECT schemas FROM recorded), ',')", ':history_schema')},
expected AS (
  SELECT e.key AS object, e.value AS definition
  FROM recorded r CROSS JOIN LATERAL jsonb_each(r.document -> 'objects') e
  WHERE r.format = ${FINGERPRINT_FORMAT}
), drift AS (
  SELECT coalesce(o.object, e.object) AS object,
    CASE WHEN e.object IS NULL THEN 'added' WHEN o.object IS NULL THEN 'removed' ELSE 'changed' END AS kind,
    e.definition AS expected, o.definition AS found
  FROM objects o FULL JOIN expected e ON e.object = o.object
  WHERE o.definition IS DISTINCT FROM e.definition AND (SELECT format FROM recorded) = ${FINGERPRINT_FORMAT}
), listed AS (
  SELECT * FROM drift ORDER BY object COLLATE "C" LIMIT ${MAX_LISTED}
)
SELECT r.id, r.version, r.schemas, r.format,
  to_char(r.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at,
  (SELECT count(*) FROM drift)::integer AS total,
  l.object, l.kind, l.expected::text AS expected, l.found::text AS found
FROM recorded r LEFT JOIN listed l ON true
ORDER BY l.object COLLATE "C"`;
}

function parse(text: string | null): Record<string, unknown> | undefined {
  return text === null ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

function driftCheck(row: DriftRow, since: string): VerificationCheck {
  const object = row.object!;
  const expected = parse(row.expected);
  const found = parse(row.found);
  const base = { check: CHECK, object, kind: row.kind!, severity: 'error' as const, passed: false };
  switch (row.kind) {
    case 'added':
      return { ...base, expected: 'absent', found, message: `${object} was added outside the migrations (${since})` };
    case 'removed':
      return { ...base, expected, found: 'absent', message: `${object} was removed outside the migrations (${since})` };
    default:
      return { ...base, expected, found, message: `${object} was changed outside the migrations: ${describeChange(expected ?? {}, found ?? {})}` };
  }
}

/**
 * Compares the live catalog with the newest recorded fingerprint (see the module doc).
 * @throws {DatabaseError | DriverError} when the catalogs cannot be read (a missing fingerprint table is
 *   not an error: nothing was recorded yet)
 */
export async function checkDrift(driver: Driver, options: DriftOptions = {}): Promise<DriftResult> {
  const t = fingerprintTable(options);
  const { schema: historySchema } = historyTables(options.historySchema);
  let rows: DriftRow[];
  try {
    rows = await withCatalogTransaction(driver, async (tx) => (await tx.execute<DriftRow>(driftSql(t.table), { history_schema: historySchema })).rows);
  } catch (error) {
    if (!isNotCreated(error)) throw error;
    rows = [];
  }
  const head = rows[0];
  if (!head) {
    return {
      driftObjects: 0,
      checks: [{ check: CHECK, severity: 'info', passed: true, message: 'no schema fingerprint recorded yet: nothing to compare (migrate records one)' }],
    };
  }
  const since = `since the fingerprint of version ${head.version ?? 'none'} recorded ${head.recorded_at}`;
  const checks: VerificationCheck[] = [];
  if (head.format !== FINGERPRINT_FORMAT) {
    checks.push({
      check: CHECK, object: 'schema fingerprint', severity: 'warning', passed: false, expected: FINGERPRINT_FORMAT, found: head.format,
      message: `the recorded fingerprint has format ${head.format}, this rds-migrate reads format ${FINGERPRINT_FORMAT}: not compared (the next migrate records a new one)`,
    });
    return { checks, driftObjects: 0 };
  }
  const configured = [...(options.schemas ?? DEFAULT_SCHEMAS)].join(',');
  if (configured !== head.schemas) {
    checks.push({
      check: CHECK, object: 'schema fingerprint', severity: 'warning', passed: false, expected: configured.split(','), found: head.schemas.split(','),
      message: `the recorded fingerprint covers schemas ${head.schemas}, the configuration ${configured}: compared over ${head.schemas} (the next migrate records a new one)`,
    });
  }
  const drifted = rows.filter((r) => r.object !== null);
  checks.push(...drifted.map((r) => driftCheck(r, since)));
  if (head.total > drifted.length) {
    checks.push({
      check: CHECK, severity: 'error', passed: false, expected: 0, found: head.total,
      message: `${head.total - drifted.length} more drifted object(s) not listed (${head.total} in all; the first ${drifted.length} are)`,
    });
  }
  if (head.total === 0) {
    checks.push({ check: CHECK, severity: 'error', passed: true, message: `no drift ${since}` });
  }
  return { checks, driftObjects: head.total };
}
