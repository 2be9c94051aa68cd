import type { Executor } from '../../driver/driver';
import type { LockHolder } from '../errors';
import { historyTables, type HistoryOptions } from '../history/tables';
import { forceRelease } from '../lock/lease';
import { resendable, type TransientOptions } from '../run/transient';
import { silentLog } from '../../observability/log';

/**
 * Unlock: force-releases the migration lock, whoever holds it, for a runner that died (a killed CLI, a
 * timed-out function) when waiting for its lease to expire is not wanted. The holder, if still running,
 * notices at its next heartbeat or schema history write (fenced by its token) and stops.
 * @returns the holder that was removed, or null when nobody held the lock
 */
export async function unlock(db: Executor, options: HistoryOptions & TransientOptions = {}): Promise<LockHolder | null> {
  const tables = historyTables(options.historySchema);
  return (await resendable('force-release the migration lock', options.transientRetry, options.log ?? silentLog, () => forceRelease(db, tables))) ?? null;
}
