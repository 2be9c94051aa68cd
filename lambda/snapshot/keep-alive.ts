import type { Executor } from '../driver/driver';

/** A running keep-alive; `stop` ends it. */
export interface KeepAlive {
  /**
   * Stops pinging and waits for a ping in flight.
   * @throws the error of a ping that failed (the transaction is then gone)
   */
  stop(): Promise<void>;
}

/**
 * Keeps a transaction that is otherwise idle from expiring: `SELECT 1` on it every `intervalMs`. The
 * Data API rolls back a transaction after 3 minutes without a call (`/work/shared/data-api-reference.md`,
 * "Limits"); the parallel export's main transaction must outlive its workers, since their view was
 * exported from it. Nothing else may use `tx` meanwhile (a Data API transaction runs one call at a time).
 * @param intervalMs between pings, ms; must be below the 3-minute idle limit
 * @throws {Error} when `intervalMs` is not a positive integer below 180,000
 */
export function keepAlive(tx: Executor, intervalMs: number): KeepAlive {
  if (!Number.isInteger(intervalMs) || intervalMs <= 0 || intervalMs >= 180_000) {
    throw new Error(`keepAliveMs: ${intervalMs} must be a positive integer below 180000 (the Data API's 3-minute transaction idle limit)`);
  }
  let failure: unknown;
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (inFlight || failure !== undefined) return;
    inFlight = tx
      .execute('SELECT 1 AS alive')
      .then(
        () => undefined,
        (error: unknown) => {
          failure = error ?? new Error('keep-alive failed');
        },
      )
      .finally(() => {
        inFlight = undefined;
      });
  }, intervalMs);
  timer.unref?.();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
      if (failure !== undefined) throw failure;
    },
  };
}
