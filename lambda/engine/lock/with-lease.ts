import type { Driver } from '../../driver/driver';
import { silentLog } from '../../observability/log';
import { ensureSchemaHistory } from '../history/ensure';
import { historyTables, type HistoryTables } from '../history/tables';
import { checkAppliedBy, type WriteOptions } from '../options';
import { acquireLease, type Lease } from './lease';

/**
 * Runs `work` holding the lock lease: creates (or brings up to date) the bookkeeping if needed, takes
 * the lease (waiting as `options.lock` says), and releases it when `work` settles, whether it
 * succeeded or threw.
 * @throws {Error} naming the field when `appliedBy` or `historySchema` is invalid
 * @throws {LockHeldError} naming the holder when another runner holds the lock
 */
export async function withLease<T>(
  driver: Driver,
  options: WriteOptions,
  work: (lease: Lease, tables: HistoryTables) => Promise<T>,
): Promise<T> {
  const appliedBy = checkAppliedBy(options.appliedBy);
  const tables = historyTables(options.historySchema);
  await ensureSchemaHistory(driver, options);
  const lease = await acquireLease(driver, tables, appliedBy, options.log ?? silentLog, options.lock, options.transientRetry);
  try {
    return await work(lease, tables);
  } finally {
    await lease.release();
  }
}
