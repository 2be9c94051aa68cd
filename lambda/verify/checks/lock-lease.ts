/**
 * Built-in check `lock`: the migration lock lease (`<historySchema>.lock`, see
 * `engine/lock/lease.ts`) is not held past its lease. A runner renews its lease by heartbeat while it
 * works and deletes it at the end, so a lease past `expires_at` means a runner stopped without
 * releasing it (killed, timed out): an error, although the next migrate takes such a lease over
 * (`rds-migrate unlock` removes it). A lease still running is reported as info (a migration is
 * running now). Times come from the database clock. Cost: one query.
 */
import type { Executor } from '../../driver/driver';
import { isNotCreated, type HistoryTables } from '../../engine/history/tables';
import type { VerificationCheck } from '../report';

const CHECK = 'lock';

interface LockRow extends Record<string, string | number> {
  owner: string;
  acquired_at: string;
  expires_at: string;
  overdue_ms: number;
}

const ISO = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

export async function checkLockLease(db: Executor, tables: HistoryTables): Promise<VerificationCheck[]> {
  let row: LockRow | undefined;
  try {
    const { rows } = await db.execute<LockRow>(
      `SELECT owner, ${ISO('acquired_at')} AS acquired_at, ${ISO('expires_at')} AS expires_at,
  floor(extract(epoch FROM clock_timestamp() - expires_at) * 1000)::bigint AS overdue_ms
FROM ${tables.lock} WHERE id = 1`,
    );
    row = rows[0];
  } catch (error) {
    if (!isNotCreated(error)) throw error;
  }
  if (!row) return [{ check: CHECK, severity: 'error', passed: true, message: 'the migration lock is free' }];
  const object = `lock ${tables.lock}`;
  if (row.overdue_ms > 0) {
    return [{
      check: CHECK, object, severity: 'error', passed: false, expected: `released by ${row.expires_at}`, found: `held by ${row.owner}`,
      message: `the migration lock is held by ${row.owner} ${Math.round(row.overdue_ms / 1000)} s past its lease (expired ${row.expires_at}, acquired ${row.acquired_at}): that runner stopped without releasing it; the next migrate takes it over, or run rds-migrate unlock`,
    }];
  }
  return [{
    check: CHECK, object, severity: 'info', passed: true,
    message: `the migration lock is held by ${row.owner} since ${row.acquired_at}, lease until ${row.expires_at} (a migration is running)`,
  }];
}
