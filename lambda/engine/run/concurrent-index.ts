/**
 * Recovery from a failed CREATE INDEX CONCURRENTLY. When such a build fails (lock timeout, a duplicate
 * for a UNIQUE index, a cancelled or timed-out call), PostgreSQL leaves the index behind marked INVALID
 * (PostgreSQL docs, CREATE INDEX, "Building Indexes Concurrently": "the recommended recovery method in
 * such cases is to drop the index and try again"). Running the statement again then fails with
 * "already exists", or with IF NOT EXISTS silently keeps the unusable index. So before a CREATE INDEX
 * CONCURRENTLY runs, the engine looks for an INVALID index of that name on that table and drops it
 * (DROP INDEX CONCURRENTLY), unless the index is still being built (a build the Data API let continue
 * after its 45 s call wait, seen in pg_stat_progress_create_index): then it stops and says so.
 * A valid index of that name is never dropped.
 *
 * The Data API waits at most 45 s for a call. A CREATE INDEX CONCURRENTLY on a large table takes
 * longer, so it is sent with continueAfterTimeout: when the call wait ends, the build goes on on the
 * server, `long-statement.ts` waits until it has finished, and {@link checkIndexBuilt} checks that
 * the index is valid.
 */
import type { Executor } from '../../driver/driver';
import { quoteIdentifier } from '../../driver/quote-identifier';
import type { InvalidIndexGuard, PlannedStatement } from '../plan/types';

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const CREATE_INDEX_CONCURRENTLY = new RegExp(
  String.raw`^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})\s+ON\s+(?:ONLY\s+)?(${IDENT}(?:\s*\.\s*${IDENT})?)`,
  'i',
);

/** An identifier as PostgreSQL stores it: quoted ones verbatim, unquoted ones folded to lower case. */
function storedName(identifier: string): string {
  return identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier.toLowerCase();
}

/**
 * The index and table a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON [ONLY] table`
 * statement names, or undefined for any other statement (including one without an index name, whose
 * generated name cannot be known in advance).
 */
export function parseConcurrentIndex(sql: string): InvalidIndexGuard | undefined {
  const match = CREATE_INDEX_CONCURRENTLY.exec(sql);
  if (!match) return undefined;
  return { index: storedName(match[1]!), table: match[2]!.replace(/\s*\.\s*/, '.') };
}

/** The guard's check: the index of that name on that table, whether it is invalid and still building. */
export function invalidIndexGuardStatement(guard: InvalidIndexGuard): PlannedStatement {
  return {
    role: 'guard',
    guard,
    sql: `SELECT n.nspname AS schema_name, c.relname AS index_name, NOT i.indisvalid AS invalid,
  EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.datname = current_database() AND p.index_relid = c.oid) AS building
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.indrelid = to_regclass(:table) AND c.relname = :index`,
    params: { table: guard.table, index: guard.index },
    note: `when an INVALID index ${guard.index} on ${guard.table} is found and no build of it is running: DROP INDEX CONCURRENTLY IF EXISTS <its schema>.${quoteIdentifier(guard.index)}`,
  };
}

interface GuardRow extends Record<string, string | boolean> {
  schema_name: string;
  index_name: string;
  invalid: boolean;
  building: boolean;
}

/** What the guard did. */
export type GuardOutcome = 'none' | 'valid' | 'dropped';

/**
 * Runs the guard (outside any transaction: DROP INDEX CONCURRENTLY cannot run in one).
 * @returns `dropped` when an INVALID leftover was dropped, `valid` when a valid index exists (kept),
 *   `none` when there is no such index
 * @throws {Error} naming the index when an INVALID index of that name is still being built
 */
export async function runInvalidIndexGuard(db: Executor, statement: PlannedStatement): Promise<GuardOutcome> {
  const { rows } = await db.execute<GuardRow>(statement.sql, statement.params);
  const found = rows[0];
  if (!found) return 'none';
  if (!found.invalid) return 'valid';
  const qualified = `${quoteIdentifier(found.schema_name)}.${quoteIdentifier(found.index_name)}`;
  if (found.building) {
    throw new Error(
      `Index ${qualified} is INVALID because a CREATE INDEX CONCURRENTLY of it is still running on the server ` +
        '(see pg_stat_progress_create_index); retry once that build has finished.',
    );
  }
  await db.execute(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`);
  return 'dropped';
}

const DROP_INDEX_CONCURRENTLY = new RegExp(
  String.raw`^\s*DROP\s+INDEX\s+CONCURRENTLY\s+(?:IF\s+EXISTS\s+)?(${IDENT}(?:\s*\.\s*${IDENT})?)\s*(?:CASCADE|RESTRICT)?\s*$`,
  'i',
);

/**
 * The index a `DROP INDEX CONCURRENTLY [IF EXISTS] name` statement names (schema-qualified as written),
 * or undefined for any other statement (a list of indexes included).
 */
export function parseDropIndexConcurrently(sql: string): string | undefined {
  const match = DROP_INDEX_CONCURRENTLY.exec(sql);
  return match ? match[1]!.replace(/\s*\.\s*/, '.') : undefined;
}

interface BuildRow extends Record<string, boolean | null> {
  found: boolean;
  valid: boolean | null;
}

/**
 * After a CREATE INDEX CONCURRENTLY that outlived its call has stopped running on the server: checks
 * that it left its index valid.
 * @throws {Error} naming the index when the build ended leaving it INVALID (the next migrate drops it
 *   and builds it again) or absent
 */
export async function checkIndexBuilt(db: Executor, guard: InvalidIndexGuard): Promise<void> {
  const { rows } = await db.execute<BuildRow>(
    `SELECT i.indexrelid IS NOT NULL AS found, i.indisvalid AS valid
FROM (SELECT 1) AS one
LEFT JOIN pg_class c ON c.relname = :index AND c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = to_regclass(:table))
LEFT JOIN pg_index i ON i.indexrelid = c.oid`,
    { index: guard.index, table: guard.table },
  );
  const build = rows[0]!;
  if (build.found && build.valid) return;
  throw new Error(
    build.found
      ? `The build of index ${guard.index} on ${guard.table} failed on the server after the call wait ended and left it INVALID; the next migrate drops it and builds it again`
      : `The build of index ${guard.index} on ${guard.table} ended on the server after the call wait without creating it`,
  );
}

/**
 * After a DROP INDEX CONCURRENTLY that outlived its call has stopped running: checks that the index
 * is gone.
 * @throws {Error} naming the index when it still exists (the drop failed on the server)
 */
export async function checkIndexDropped(db: Executor, index: string): Promise<void> {
  const { rows } = await db.execute<{ present: boolean }>('SELECT to_regclass(:index) IS NOT NULL AS present', { index });
  if (rows[0]?.present) {
    throw new Error(`DROP INDEX CONCURRENTLY of ${index} ended on the server after the call wait, but the index still exists: the drop failed`);
  }
}
