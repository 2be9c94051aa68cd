/**
 * Schema history writes, as planned statements. Every write is fenced by the lock lease: it changes a
 * row only while the lease with our token is still valid by the database clock, so a runner whose lease
 * expired and was taken over cannot record anything (the executor then stops with LockLostError).
 */
import type { PlannedStatement } from '../plan/types';
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

export interface HistoryEntry {
  readonly version: string;
  readonly name: string;
  readonly type: HistoryRowType;
  readonly checksum: string;
  readonly appliedBy: string;
  /** Up statements run: the whole script for a finished migration. */
  readonly statements: number;
}

/** Inserts a finished row (success true) for an applied, baselined or reverted migration. */
export function insertFinished(tables: HistoryTables, entry: HistoryEntry, executionMs?: number): PlannedStatement {
  return {
    role: 'history',
    sql: `INSERT INTO ${tables.history} (version, name, type, checksum, execution_ms, applied_by, success, statements_applied)
SELECT :version::text, :name::text, :type::text, :checksum::text, :execution_ms::integer, :applied_by::text, true, :statements::integer
WHERE ${fence(tables)}`,
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
  };
}

/** Inserts the unfinished row (success false, 0 statements) a non-transactional migration starts with. */
export function insertStarted(tables: HistoryTables, entry: Omit<HistoryEntry, 'type' | 'statements'>): PlannedStatement {
  return {
    role: 'history',
    sql: `INSERT INTO ${tables.history} (version, name, type, checksum, execution_ms, applied_by, success, statements_applied)
SELECT :version::text, :name::text, 'sql', :checksum::text, 0, :applied_by::text, false, 0
WHERE ${fence(tables)}`,
    params: { version: entry.version, name: entry.name, checksum: entry.checksum, applied_by: entry.appliedBy },
    runtimeParams: ['lease_token'],
    expectRowsAffected: 1,
  };
}

/**
 * Records the progress of an unfinished non-transactional migration: `statements` of its up statements
 * have run; `finished` marks it applied (success true, applied_at now).
 */
export function updateProgress(tables: HistoryTables, version: string, statements: number, finished: boolean): PlannedStatement {
  return {
    role: 'history',
    sql: `UPDATE ${tables.history}
SET statements_applied = :statements::integer, execution_ms = :execution_ms::integer${finished ? ', success = true, applied_at = now()' : ''}
WHERE ${lastRowOf(tables)} AND NOT success AND ${fence(tables)}`,
    params: { version, statements },
    runtimeParams: ['execution_ms', 'lease_token'],
    expectRowsAffected: 1,
  };
}

/** Records that repair accepted the bundle's checksum for an applied row. */
export function acceptChecksum(tables: HistoryTables, installedRank: number, checksum: string, repairedBy: string): PlannedStatement {
  return {
    role: 'history',
    sql: `UPDATE ${tables.history}
SET previous_checksum = checksum, checksum = :checksum::text, repaired_by = :repaired_by::text, repaired_at = now()
WHERE installed_rank = :installed_rank::bigint AND ${fence(tables)}`,
    params: { installed_rank: installedRank, checksum, repaired_by: repairedBy },
    runtimeParams: ['lease_token'],
    expectRowsAffected: 1,
  };
}

/** Removes a failed row (repair). */
export function deleteFailed(tables: HistoryTables, installedRank: number): PlannedStatement {
  return {
    role: 'history',
    sql: `DELETE FROM ${tables.history} WHERE installed_rank = :installed_rank::bigint AND NOT success AND ${fence(tables)}`,
    params: { installed_rank: installedRank },
    runtimeParams: ['lease_token'],
    expectRowsAffected: 1,
  };
}
