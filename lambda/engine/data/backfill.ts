/**
 * `DataMigrationContext.backfill`: a keyset-paginated UPDATE in batches (see `BackfillSpec`). Each
 * batch is one statement:
 *
 *     WITH batch AS (SELECT key FROM table WHERE key > :cursor AND (where) ORDER BY key LIMIT n FOR UPDATE),
 *          updated AS (UPDATE table SET ... FROM batch WHERE table.key = batch.key RETURNING 1)
 *     SELECT count(updated), last key of batch
 *
 * run in the batch's transaction with its checkpoint (`batches.ts`). The key must be unique (a
 * unique index on it alone, e.g. the primary key), so the cursor never skips or repeats a row: every
 * row matching `where` when its batch runs is updated exactly once. Rows are locked (FOR UPDATE) in key
 * order, as the application's single-row updates would wait on them under the migration's
 * lock_timeout.
 */
import type { Executor } from '../../driver/driver';
import type { BackfillSpec, BatchFunction } from './data-migration';

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const TABLE = new RegExp(String.raw`^${IDENT}(?:\.${IDENT})?$`);
const COLUMN = new RegExp(String.raw`^${IDENT}$`);

/** An identifier as PostgreSQL stores it: quoted ones verbatim, unquoted ones folded to lower case. */
function storedName(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier.toLowerCase();
}

/** Largest batch: one statement must stay far within the Data API's 45 s call wait. */
export const MAX_BATCH_SIZE = 100_000;

/**
 * Checks a backfill's shape.
 * @throws {Error} naming the field at fault (`table`, `key`, `batchSize`, `set`, `where`, `params`, `estimatedRows`)
 */
export function checkBackfillSpec(spec: BackfillSpec, where: string): void {
  const fail = (field: string, rule: string, value: unknown): never => {
    throw new Error(`${where}: backfill ${field} ${rule}, got ${JSON.stringify(value)}`);
  };
  if (typeof spec.table !== 'string' || !TABLE.test(spec.table)) fail('table', 'must be a table name, optionally schema-qualified (e.g. public.invoice)', spec.table);
  if (typeof spec.key !== 'string' || !COLUMN.test(spec.key)) fail('key', 'must be a column name', spec.key);
  if (!Number.isInteger(spec.batchSize) || spec.batchSize < 1 || spec.batchSize > MAX_BATCH_SIZE) {
    fail('batchSize', `must be a whole number of rows from 1 to ${MAX_BATCH_SIZE}`, spec.batchSize);
  }
  if (typeof spec.set !== 'string' || spec.set.trim() === '' || spec.set.includes(';')) fail('set', 'must be a SET list without ";"', spec.set);
  if (spec.where !== undefined && (typeof spec.where !== 'string' || spec.where.trim() === '' || spec.where.includes(';'))) {
    fail('where', 'must be a condition without ";"', spec.where);
  }
  for (const name of Object.keys(spec.params ?? {})) if (name === 'rds_migrate_cursor') fail('params', 'may not use the name rds_migrate_cursor', name);
  if (spec.estimatedRows !== undefined && (!Number.isSafeInteger(spec.estimatedRows) || spec.estimatedRows < 0)) {
    fail('estimatedRows', 'must be a whole number of rows >= 0', spec.estimatedRows);
  }
}

/**
 * PostgreSQL's estimate of a table's rows (`pg_class.reltuples`, kept by VACUUM, ANALYZE and CREATE
 * INDEX; docs: 53.11 "pg_class"), for a backfill's progress reports: one catalog query.
 * @returns the estimate, or undefined when the table was never analysed (reltuples -1) or is not found
 */
export async function estimateTableRows(db: Executor, table: string): Promise<number | undefined> {
  const { rows } = await db.execute<{ estimate: string | null }>(
    'SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint::text END AS estimate FROM pg_class c WHERE c.oid = to_regclass(:table)',
    { table },
  );
  const estimate = rows[0]?.estimate;
  return estimate === null || estimate === undefined ? undefined : Number(estimate);
}

interface KeyRow extends Record<string, string | boolean> {
  key_type: string;
  unique_key: boolean;
}

/**
 * Looks up the key column's type (written into the batch statement as a cast of the cursor) and
 * checks that a unique index covers it alone.
 * @throws {Error} naming the table and key when the table or column does not exist, or the key is not unique
 */
export async function keyTypeOf(db: Executor, spec: BackfillSpec, where: string): Promise<string> {
  const { rows } = await db.execute<KeyRow>(
    `SELECT format_type(a.atttypid, a.atttypmod) AS key_type,
  EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisunique AND i.indpred IS NULL
          AND i.indnkeyatts = 1 AND i.indkey[0] = a.attnum) AS unique_key
FROM pg_attribute a
WHERE a.attrelid = to_regclass(:table) AND a.attname = :key AND a.attnum > 0 AND NOT a.attisdropped`,
    { table: spec.table, key: storedName(spec.key) },
  );
  const found = rows[0];
  if (!found) throw new Error(`${where}: backfill key ${spec.key} is not a column of ${spec.table} (or the table does not exist)`);
  if (!found.unique_key) {
    throw new Error(`${where}: backfill key ${spec.key} of ${spec.table} has no unique index on it alone: batches need a unique key (the primary key) to page through rows`);
  }
  return found.key_type;
}

interface BatchRow extends Record<string, number | string | null> {
  updated: number;
  batch_rows: number;
  last_key: string | null;
}

/** The batch function of a backfill, for `runBatches`. */
export function backfillBatch(spec: BackfillSpec, keyType: string): BatchFunction {
  const key = spec.key;
  const sql = `WITH batch AS (
  SELECT t.${key} AS rds_migrate_key FROM ${spec.table} AS t
  WHERE (:rds_migrate_cursor::text IS NULL OR t.${key} > :rds_migrate_cursor::text::${keyType})
    AND (${spec.where ?? 'true'})
  ORDER BY t.${key}
  LIMIT ${spec.batchSize}
  FOR UPDATE
), updated AS (
  UPDATE ${spec.table} AS u SET ${spec.set} FROM batch WHERE u.${key} = batch.rds_migrate_key RETURNING 1
)
SELECT (SELECT count(*) FROM updated)::integer AS updated, (SELECT count(*) FROM batch)::integer AS batch_rows,
  -- Cast outside: inside, ORDER BY would sort by the text output column of that name.
  (SELECT rds_migrate_key FROM batch ORDER BY rds_migrate_key DESC LIMIT 1)::text AS last_key`;
  return async ({ tx, cursor }) => {
    const { rows } = await tx.execute<BatchRow>(sql, { ...spec.params, rds_migrate_cursor: cursor });
    const row = rows[0]!;
    return { rows: row.updated, cursor: row.last_key ?? cursor, done: row.batch_rows < spec.batchSize };
  };
}
