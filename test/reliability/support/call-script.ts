/**
 * Names Data API calls for fault plans and failure messages: the operation and the start of the SQL,
 * and whether a call is the lock lease's heartbeat (which a timer sends whenever it is due, so it is
 * left out when calls are counted to find "the k-th statement" of a run).
 */
import type { FaultContext } from '../../../local/data-api/faults';

/** The request's SQL, when it has some. */
export function sqlOf(context: FaultContext): string | undefined {
  const sql = (context.request as { sql?: unknown } | undefined)?.sql;
  return typeof sql === 'string' ? sql : undefined;
}

/** True for the lock lease's heartbeat (`engine/lock/lease.ts`): an UPDATE of the lock row's heartbeat_at. */
export function isHeartbeat(context: FaultContext): boolean {
  const sql = sqlOf(context);
  return sql !== undefined && /^UPDATE\s+"?rds_migrate"?\."?lock"?\s+SET\s+heartbeat_at/i.test(sql);
}

/** `ExecuteStatement: ALTER TABLE accounts ADD COLUMN st...` (whitespace collapsed, at most 70 characters of SQL). */
export function describeCall(context: FaultContext): string {
  const sql = sqlOf(context);
  return sql === undefined ? context.operation : `${context.operation}: ${sql.replace(/\s+/g, ' ').trim().slice(0, 70)}`;
}

/**
 * True when the call, once run, may have committed something: a CommitTransaction, or a statement
 * outside a transaction that is not a plain SELECT (an autocommit write: DDL, a schema history row,
 * the lock lease). Losing the answer of any other call leaves nothing behind, as not sending it would.
 */
export function mayCommit(context: FaultContext): boolean {
  if (context.operation === 'CommitTransaction') return true;
  if (context.operation !== 'ExecuteStatement' && context.operation !== 'BatchExecuteStatement') return false;
  const inTransaction = typeof (context.request as { transactionId?: unknown } | undefined)?.transactionId === 'string';
  return !inTransaction && !/^\s*SELECT\b/i.test(sqlOf(context) ?? '');
}
