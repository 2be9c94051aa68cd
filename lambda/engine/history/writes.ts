/**
 * Schema history writes, as planned statements. Every write is fenced by the lock lease: it changes a
 * row only while the lease with our token is still valid by the database clock, so a runner whose lease
 * expired and was taken over cannot record anything (the executor then stops with LockLostError); in a
 * transaction, the commit-time check (`commit-check.ts`) checks the lease again when it commits.
 *
 * A write that opens a transaction carries the transaction's opening settings as a CTE
 * (`run/timeouts.ts`), so settings and row take one call; its RETURNING reports the backend (`pid`,
 * `xact_start`).
 */
import type { SqlParams } from '../../driver/driver';
import { sqlLiteral } from '../plan/fold';
import type { PlannedStatement, RuntimeParam } from '../plan/types';
import { openerSelect, type TimeoutOptions } from '../run/timeouts';
import { LEASE_LOST_SQLSTATE } from './commit-check';
import type { HistoryRowType } from './read';
import type { HistoryTables } from './tables';

/** The fence: true while the lease with `:lease_token` is unexpired. */
function fence(tables: HistoryTables): string {
  return `EXISTS (SELECT 1 FROM ${tables.lock} WHERE id = 1 AND token = :lease_token::text AND expires_at > clock_timestamp())`;
}

/** The version's last row, which the updates below change. */
function lastRowOf(tables: HistoryTables): string {
  return `installed_rank = (SELECT max(installed_rank) FROM ${tables.history} WHERE version = :version::text)`;
}

/** A write's statement, optionally opening its transaction (see the module comment). */
function write(
  opener: TimeoutOptions | undefined,
  build: (from: { with: string; source: string; returning: string }) => string,
  statement: Omit<PlannedStatement, 'sql' | 'role' | 'runtimeParams'> & { runtimeParams: RuntimeParam[] },
): PlannedStatement {
  const sql = opener
    ? build({
        with: `WITH settings AS (${openerSelect(opener, true)})\n`,
        source: 'settings',
        returning: '\nRETURNING (SELECT pid FROM settings) AS pid, (SELECT xact_start FROM settings) AS xact_start',
      })
    : build({ with: '', source: '', returning: '' });
  return { role: 'history', sql, ...statement, ...(opener ? { session: true } : {}) };
}

export interface HistoryEntry {
  /** The version ('' for a repeatable migration). */
  readonly version: string;
  readonly name: string;
  readonly type: HistoryRowType;
  readonly checksum: string;
  readonly appliedBy: string;
  /** Up statements run: the whole script for a finished migration. */
  readonly statements: number;
}

export interface WriteOptions {
  /** The execution time to record, ms; @default the runtime parameter `execution_ms` */
  readonly executionMs?: number;
  /** Open the transaction with these timeouts in the same statement (see the module comment). */
  readonly opener?: TimeoutOptions;
}

/** Inserts a finished row (success true) for an applied, baselined, reverted or repeatable migration. */
export function insertFinished(tables: HistoryTables, entry: HistoryEntry, options: WriteOptions = {}): PlannedStatement {
  const { executionMs, opener } = options;
  return write(
    opener,
    (f) => `${f.with}INSERT INTO ${tables.history} (version, name, type, checksum, execution_ms, applied_by, success, statements_applied)
SELECT :version::text, :name::text, :type::text, :checksum::text, :execution_ms::integer, :applied_by::text, true, :statements::integer${f.source ? `\nFROM ${f.source}` : ''}
WHERE ${fence(tables)}${f.returning}`,
    {
      params: {
        version: entry.version,
        name: entry.name,
        type: entry.type,
        checksum: entry.checksum,
        applied_by: entry.appliedBy,
        statements: entry.statements,
        ...(executionMs === undefined ? {} : { execution_ms: executionMs }),
      },
      runtimeParams: executionMs === undefined ? ['execution_ms', 'lease_token'] : ['lease_token'],
      expectRowsAffected: 1,
    },
  );
}

/**
 * Inserts the unfinished row (success false, 0 statements) a non-transactional migration (type `sql`)
 * or a data migration (type `data`) starts with. It reads "in progress" until the migration finishes.
 */
export function insertStarted(tables: HistoryTables, entry: Omit<HistoryEntry, 'statements'>): PlannedStatement {
  return write(
    undefined,
    () => `INSERT INTO ${tables.history} (version, name, type, checksum, execution_ms, applied_by, success, statements_applied)
SELECT :version::text, :name::text, :type::text, :checksum::text, 0, :applied_by::text, false, 0
WHERE ${fence(tables)}`,
    {
      params: { version: entry.version, name: entry.name, type: entry.type, checksum: entry.checksum, applied_by: entry.appliedBy },
      runtimeParams: ['lease_token'],
      expectRowsAffected: 1,
    },
  );
}

/**
 * Records the progress of an unfinished migration: `statements` of its up statements have run;
 * `finished` marks it applied (success true, applied_at now).
 * @param opener open the transaction in the same statement (a statement run in a transaction together with its progress)
 */
export function updateProgress(tables: HistoryTables, version: string, statements: number, finished: boolean, opener?: TimeoutOptions): PlannedStatement {
  return write(
    opener,
    (f) => `${f.with}UPDATE ${tables.history}
SET statements_applied = :statements::integer, execution_ms = :execution_ms::integer${finished ? ', success = true, applied_at = now()' : ''}${f.source ? `\nFROM ${f.source}` : ''}
WHERE ${lastRowOf(tables)} AND NOT success AND ${fence(tables)}${f.returning}`,
    { params: { version, statements }, runtimeParams: ['execution_ms', 'lease_token'], expectRowsAffected: 1 },
  );
}

/** Records that repair accepted the bundle's checksum for an applied row. */
export function acceptChecksum(tables: HistoryTables, installedRank: number, checksum: string, repairedBy: string): PlannedStatement {
  return write(
    undefined,
    () => `UPDATE ${tables.history}
SET previous_checksum = checksum, checksum = :checksum::text, repaired_by = :repaired_by::text, repaired_at = now()
WHERE installed_rank = :installed_rank::bigint AND ${fence(tables)}`,
    { params: { installed_rank: installedRank, checksum, repaired_by: repairedBy }, runtimeParams: ['lease_token'], expectRowsAffected: 1 },
  );
}

/** Removes a failed row (repair). */
export function deleteFailed(tables: HistoryTables, installedRank: number): PlannedStatement {
  return write(
    undefined,
    () => `DELETE FROM ${tables.history} WHERE installed_rank = :installed_rank::bigint AND NOT success AND ${fence(tables)}`,
    { params: { installed_rank: installedRank }, runtimeParams: ['lease_token'], expectRowsAffected: 1 },
  );
}

/** A plan-time parameter as a SQL literal. */
function literal(value: SqlParams[string]): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a SQL literal`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return sqlLiteral(value);
  throw new Error('only strings, numbers, booleans and null are written as literals');
}

/**
 * A schema history write (one of the writes above, built without an opener) as the closing
 * statements of a folded DO block (`plan/fold.ts`), after the migration's statements: its plan-time
 * parameters written as literals, the lease token and the execution time taken from the block's
 * variables (`rds_migrate_token`, `rds_migrate_prior` plus the time since `rds_migrate_started`, when
 * the migration began in the block), and a check that
 * it changed its row (else SQLSTATE RM001, as the commit-time check: the lease was lost).
 * @throws {Error} when the write has parameters that cannot be literals
 */
export function historyWriteInBlock(write: PlannedStatement): string {
  const params = write.params ?? {};
  const body = write.sql
    .replace(/:lease_token\b/g, 'rds_migrate_token')
    .replace(/:execution_ms\b/g, '(rds_migrate_prior + round(extract(epoch FROM clock_timestamp() - rds_migrate_started) * 1000))')
    .replace(/(?<!:):([a-z_][a-z0-9_]*)/g, (whole, name: string) => (name in params ? literal(params[name]!) : whole));
  return `  ${body.replace(/\n/g, '\n  ')};
  GET DIAGNOSTICS rds_migrate_rows = ROW_COUNT;
  IF rds_migrate_rows <> ${write.expectRowsAffected ?? 1} THEN
    RAISE EXCEPTION 'the migration lock lease was lost before its schema history row was written' USING ERRCODE = '${LEASE_LOST_SQLSTATE}';
  END IF;`;
}
