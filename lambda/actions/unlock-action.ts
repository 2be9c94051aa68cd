import type { Driver } from '../driver/driver';
import { unlock } from '../engine/commands/unlock';
import type { LockHolder } from '../engine/errors';
import type { Log } from '../observability/log';

export interface UnlockActionReport {
  readonly action: 'unlock';
  readonly database: string;
  /** False when nobody held the lock. */
  readonly released: boolean;
  /** Who held it (owner, since when, lease expiry), or null. */
  readonly holder: LockHolder | null;
}

/**
 * The engine's `unlock` as the function's `{"action":"unlock"}` event and `rds-migrate unlock` run it:
 * removes the migration lock lease whoever holds it (a runner that died: a timed-out invocation, a
 * killed CLI), naming the holder. A holder still running notices at its next heartbeat or schema
 * history write and stops. Needs no bundle.
 */
export async function runUnlock(ctx: { readonly driver: Driver; readonly log: Log }): Promise<UnlockActionReport> {
  const holder = await unlock(ctx.driver, { log: ctx.log });
  if (holder) ctx.log.warn('released the migration lock', { owner: holder.owner, acquiredAt: holder.acquiredAt, expiresAt: holder.expiresAt });
  else ctx.log.info('nobody held the migration lock');
  return { action: 'unlock', database: ctx.driver.database, released: holder !== null, holder };
}
