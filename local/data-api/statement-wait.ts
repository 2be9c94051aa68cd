/**
 * The Data API's statement wait: a call waits at most 45 s for its statement (see
 * `/work/shared/data-api-reference.md`, "statement wait"). Past it the call fails with
 * StatementTimeoutException; without `continueAfterTimeout` the statement is cancelled, with it the
 * statement keeps running on the server (its connection stays busy until it ends).
 */
import { serviceError } from './service-error';

export interface StatementWait {
  /** How long the call waits, in ms. */
  readonly waitMs: number;
  /** Let the statement run on after the wait ends instead of cancelling it. */
  readonly continueAfterTimeout: boolean;
  /** Backend pid running the statement (reported as `dbConnectionId`). */
  readonly pid: number;
  /** Cancels the running statement (`pg_cancel_backend`). */
  cancel(): Promise<unknown>;
}

/**
 * Waits for `work` (the statement and everything that must happen when it ends, such as releasing its
 * connection) at most `wait.waitMs`.
 * @returns what `work` resolves to, when it ends in time
 * @throws what `work` throws, when it ends in time
 * @throws {ServiceError} StatementTimeoutException when the wait ends first (after cancelling the
 *   statement unless `continueAfterTimeout`); `work` then goes on and its outcome is dropped
 */
export async function waitForStatement<T>(work: Promise<T>, wait: StatementWait): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), wait.waitMs);
  });
  const finished = work.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  ).finally(() => {
    settled = true;
  });
  const outcome = await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  if (outcome !== 'timeout') {
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }
  if (!wait.continueAfterTimeout && !settled) await wait.cancel();
  throw serviceError(
    'StatementTimeoutException',
    wait.continueAfterTimeout
      ? `Request timed out after ${wait.waitMs} ms; the statement continues to run (continueAfterTimeout).`
      : `Request timed out after ${wait.waitMs} ms; the statement was cancelled.`,
    { dbConnectionId: wait.pid },
  );
}
