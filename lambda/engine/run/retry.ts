/**
 * Retries of a step that could not get its locks. A migration's transaction sets `lock_timeout`
 * (see `timeouts.ts`), so a conflicting lock held by the application makes it fail fast with
 * SQLSTATE 55P03 lock_not_available (PostgreSQL docs, 20.11.1 "Statement Behavior", and Appendix A)
 * instead of queueing every other query behind it. The step is then rolled back and tried again
 * after an exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And
 * Jitter"): attempt n waits between half and all of min(maxDelayMs, baseDelayMs * 2^(n-1)).
 */
import { DatabaseError } from '../../driver/errors';

export interface RetryOptions {
  /** Retries after the first attempt (so `retries + 1` attempts in all). @default 3 */
  readonly retries?: number;
  /** Delay before the first retry, before jitter, ms. @default 500 */
  readonly baseDelayMs?: number;
  /** Upper bound of a delay, ms. @default 10000 */
  readonly maxDelayMs?: number;
}

export const DEFAULT_RETRY = { retries: 3, baseDelayMs: 500, maxDelayMs: 10_000 } as const;

/** SQLSTATE lock_not_available: the lock_timeout ran out (or NOWAIT found the lock taken). */
export const LOCK_NOT_AVAILABLE = '55P03';

/** True for errors a retry of the step may cure. */
export function isLockTimeout(error: unknown): boolean {
  return error instanceof DatabaseError && error.sqlState === LOCK_NOT_AVAILABLE;
}

/**
 * The delay before retry `attempt` (1 = first retry), ms.
 * @param random a number in [0, 1) (injectable for tests). @default Math.random()
 */
export function backoffDelayMs(attempt: number, options: RetryOptions = {}, random: number = Math.random()): number {
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const cap = Math.min(max, base * 2 ** (attempt - 1));
  return Math.round(cap / 2 + random * (cap / 2));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it succeeds, fails with something other than a lock timeout, or the retries are
 * used up; returns its result and the number of attempts made.
 * @param onRetry told before each wait (for logs)
 * @throws {RetriesExhausted} wrapping the last attempt's error (`error`) and the attempts made
 *   (`attempts`), whether it was not a lock timeout or the retries ran out
 */
export async function withLockRetry<T>(
  attempt: () => Promise<T>,
  options: RetryOptions,
  onRetry: (info: { attempt: number; delayMs: number; error: unknown }) => void,
): Promise<{ result: T; attempts: number }> {
  const retries = options.retries ?? DEFAULT_RETRY.retries;
  for (let n = 1; ; n++) {
    try {
      return { result: await attempt(), attempts: n };
    } catch (error) {
      if (!isLockTimeout(error) || n > retries) throw new RetriesExhausted(error, n);
      const delayMs = backoffDelayMs(n, options);
      onRetry({ attempt: n, delayMs, error });
      await sleep(delayMs);
    }
  }
}

/** Carries the error of the last attempt and how many attempts were made. */
export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  constructor(
    readonly error: unknown,
    readonly attempts: number,
  ) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
  }
}
