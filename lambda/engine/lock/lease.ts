/**
 * The migration lock: a lease row in `<historySchema>.lock`, not a session advisory lock, because the
 * Data API keeps no session between calls (and a transaction-level lock would hold a transaction open,
 * which makes CREATE INDEX CONCURRENTLY wait for ourselves: it waits for every older transaction to
 * end, PostgreSQL docs, CREATE INDEX "Building Indexes Concurrently").
 *
 * - Taken with one atomic statement (INSERT ... ON CONFLICT DO UPDATE ... WHERE the lease expired), so of
 *   two runners exactly one gets it; an expired lease is taken over. The statement also succeeds when
 *   the lease already has our token, so sending it again after a transient failure is safe.
 * - Another runner fails fast naming the holder, or polls for up to `waitMs`.
 * - While held, a heartbeat (its own short autocommit calls) pushes `expires_at` forward every
 *   `heartbeatMs`; every schema history write is fenced by the lease token (`history/writes.ts`).
 * - Released at the end (row deleted); `unlock` force-releases it.
 * All times come from the database clock. Every call here is safe to send again and is retried after a
 * transient failure (`run/transient.ts`).
 */
import { randomUUID } from 'node:crypto';
import type { Driver, Executor } from '../../driver/driver';
import type { Log } from '../../observability/log';
import { LockHeldError, LockLostError, type LockHolder } from '../errors';
import { sleep } from '../run/retry';
import { isNotCreated, type HistoryTables } from '../history/tables';
import { resendable, type TransientRetryOptions } from '../run/transient';

export interface LockOptions {
  /** How long to wait for a lock another runner holds before failing, ms; 0 fails at once. @default 0 */
  readonly waitMs?: number;
  /** Interval between attempts while waiting, ms. @default 1000 */
  readonly pollMs?: number;
  /** Lease length: how long the lock outlives a runner that stopped renewing it, ms. @default 60000 */
  readonly leaseMs?: number;
  /** Interval between heartbeats, ms; must be below `leaseMs`. @default leaseMs / 3 */
  readonly heartbeatMs?: number;
}

export const DEFAULT_LEASE_MS = 60_000;

/** A held lock lease. */
export interface Lease {
  /** Who holds it (e.g. `appliedBy`), as other runners see it. */
  readonly owner: string;
  /** Random token fencing our schema history writes. */
  readonly token: string;
  /** True once a heartbeat found the lease taken over or released. */
  readonly lost: boolean;
  /** @throws {LockLostError} when the lease was lost */
  assertHeld(): void;
  /** Stops the heartbeat and deletes the lease row if it is still ours. Never throws. */
  release(): Promise<void>;
}

const ISO = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface HolderRow extends Record<string, string | boolean | null> {
  owner: string | null;
  acquired_at: string | null;
  expires_at: string | null;
  heartbeat_at: string | null;
}

function holderOf(row: HolderRow | undefined): LockHolder | undefined {
  if (!row?.owner) return undefined;
  return { owner: row.owner, acquiredAt: row.acquired_at!, expiresAt: row.expires_at!, heartbeatAt: row.heartbeat_at! };
}

/**
 * One attempt to take the lease. Returns whether we got it and the holder seen by the statement's
 * snapshot (the previous holder when we took over an expired lease).
 */
async function tryTake(db: Executor, tables: HistoryTables, owner: string, token: string, leaseMs: number) {
  const { rows } = await db.execute<HolderRow & { taken: boolean; expired: boolean | null }>(
    `WITH previous AS (
  SELECT owner, ${ISO('acquired_at')} AS acquired_at, ${ISO('expires_at')} AS expires_at,
    ${ISO('heartbeat_at')} AS heartbeat_at, expires_at <= clock_timestamp() AS expired
  FROM ${tables.lock} WHERE id = 1
), taken AS (
  INSERT INTO ${tables.lock} AS l (id, owner, token, acquired_at, expires_at, heartbeat_at)
  VALUES (1, :owner, :token, clock_timestamp(), clock_timestamp() + :lease_ms::integer * interval '1 millisecond', clock_timestamp())
  ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, token = excluded.token, acquired_at = excluded.acquired_at,
    expires_at = excluded.expires_at, heartbeat_at = excluded.heartbeat_at
  WHERE l.expires_at <= clock_timestamp() OR l.token = excluded.token
  RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM taken) AS taken, previous.owner, previous.acquired_at, previous.expires_at,
  previous.heartbeat_at, previous.expired
FROM (SELECT 1) AS one LEFT JOIN previous ON true`,
    { owner, token, lease_ms: leaseMs },
  );
  const row = rows[0]!;
  return { taken: row.taken, previous: holderOf(row), previousExpired: row.expired === true };
}

/**
 * Reads who holds the lock, or undefined when nobody does (or the lock table does not exist yet).
 * Cost: one call.
 */
export async function readLockHolder(db: Executor, tables: HistoryTables): Promise<LockHolder | undefined> {
  try {
    const { rows } = await db.execute<HolderRow>(
      `SELECT owner, ${ISO('acquired_at')} AS acquired_at, ${ISO('expires_at')} AS expires_at, ${ISO('heartbeat_at')} AS heartbeat_at
FROM ${tables.lock} WHERE id = 1`,
    );
    return holderOf(rows[0]);
  } catch (error) {
    if (isNotCreated(error)) return undefined;
    throw error;
  }
}

function wholeMs(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0) throw new Error(`lock.${field} must be a whole number of ms >= 0, got ${value}`);
  return value;
}

/**
 * Takes the lock lease for `owner` and starts its heartbeat. The lock table must exist
 * (`ensureSchemaHistory`).
 * @param owner who is migrating, shown to other runners (e.g. `appliedBy`)
 * @throws {LockHeldError} naming the holder when another runner still holds it after `waitMs`
 * @throws {Error} naming the option when a lock option is out of range
 */
export async function acquireLease(
  driver: Driver,
  tables: HistoryTables,
  owner: string,
  log: Log,
  options: LockOptions = {},
  transientRetry?: TransientRetryOptions,
): Promise<Lease> {
  const leaseMs = wholeMs(options.leaseMs ?? DEFAULT_LEASE_MS, 'leaseMs');
  const heartbeatMs = wholeMs(options.heartbeatMs ?? Math.floor(leaseMs / 3), 'heartbeatMs');
  const waitMs = wholeMs(options.waitMs ?? 0, 'waitMs');
  const pollMs = wholeMs(options.pollMs ?? 1000, 'pollMs');
  if (leaseMs === 0 || heartbeatMs === 0 || heartbeatMs >= leaseMs) {
    throw new Error(`lock.heartbeatMs (${heartbeatMs}) must be above 0 and below lock.leaseMs (${leaseMs})`);
  }
  const token = randomUUID();
  const started = Date.now();
  let triedAfterRelease = false;
  for (;;) {
    const attempt = await resendable('take the migration lock', transientRetry, log, () => tryTake(driver, tables, owner, token, leaseMs));
    if (attempt.taken) {
      if (attempt.previous && attempt.previousExpired) {
        log.warn('took over an expired migration lock', { previousOwner: attempt.previous.owner, expiredAt: attempt.previous.expiresAt });
      }
      log.debug('migration lock acquired', { owner, leaseMs });
      return startHeartbeat(driver, tables, owner, token, leaseMs, heartbeatMs, log, transientRetry);
    }
    const waited = Date.now() - started;
    if (waited >= waitMs) {
      // Two runners that both found no row: the loser's snapshot saw no holder, so read it now.
      const holder = attempt.previous ?? (await resendable('read the lock holder', transientRetry, log, () => readLockHolder(driver, tables)));
      // Released between our attempt and the read: one more attempt.
      if (!holder && !triedAfterRelease) {
        triedAfterRelease = true;
        continue;
      }
      throw new LockHeldError(holder ?? { owner: 'unknown', acquiredAt: '', expiresAt: '', heartbeatAt: '' }, waited);
    }
    await sleep(Math.min(pollMs, waitMs - waited));
  }
}

function startHeartbeat(
  driver: Driver,
  tables: HistoryTables,
  owner: string,
  token: string,
  leaseMs: number,
  heartbeatMs: number,
  log: Log,
  transientRetry: TransientRetryOptions | undefined,
): Lease {
  let lost = false;
  let inFlight: Promise<void> = Promise.resolve();
  const beat = async (): Promise<void> => {
    try {
      const { rowsAffected } = await driver.execute(
        `UPDATE ${tables.lock}
SET heartbeat_at = clock_timestamp(), expires_at = clock_timestamp() + :lease_ms::integer * interval '1 millisecond'
WHERE id = 1 AND token = :token`,
        { token, lease_ms: leaseMs },
      );
      if (rowsAffected === 0 && !lost) {
        lost = true;
        log.error('migration lock lost: the lease was taken over or force-released', { owner });
      }
    } catch (error) {
      // A missed beat is survivable while the lease lasts; the fence on history writes catches the rest.
      log.warn('migration lock heartbeat failed', { owner, error: error instanceof Error ? error.message : String(error) });
    }
  };
  const timer = setInterval(() => {
    inFlight = inFlight.then(beat);
  }, heartbeatMs);
  timer.unref();
  let released = false;
  return {
    owner,
    token,
    get lost() {
      return lost;
    },
    assertHeld() {
      if (lost) throw new LockLostError(owner);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      await inFlight;
      try {
        await resendable('release the migration lock', transientRetry, log, () =>
          driver.execute(`DELETE FROM ${tables.lock} WHERE id = 1 AND token = :token`, { token }),
        );
        log.debug('migration lock released', { owner });
      } catch (error) {
        log.warn('could not release the migration lock; it expires on its own', {
          owner,
          leaseMs,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    },
  };
}

/**
 * Deletes the lease row whoever holds it. Returns the removed holder, or undefined when nobody held
 * the lock (or the lock table does not exist yet). Cost: one call.
 */
export async function forceRelease(db: Executor, tables: HistoryTables): Promise<LockHolder | undefined> {
  try {
    const { rows } = await db.execute<HolderRow>(
      `DELETE FROM ${tables.lock} WHERE id = 1
RETURNING owner, ${ISO('acquired_at')} AS acquired_at, ${ISO('expires_at')} AS expires_at, ${ISO('heartbeat_at')} AS heartbeat_at`,
    );
    return holderOf(rows[0]);
  } catch (error) {
    if (isNotCreated(error)) return undefined;
    throw error;
  }
}
