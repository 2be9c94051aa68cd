/**
 * The statements a transaction has sent, or holds to send once another has answered (`ExecuteOptions.after`),
 * that have not answered yet: its commit and rollback wait for them (`driver.ts`, `Transaction`). Without
 * that, a rollback sent while one runs is refused by the Data API ("Transaction is still running a query"),
 * leaving the transaction open until its idle timeout, and on `pg` it would run before a statement still
 * held by `after`, which would then run outside the transaction.
 */
export class RunningCalls {
  private readonly calls = new Set<Promise<unknown>>();

  /** Tracks `call` until it settles. @returns `call` itself (its outcome is the caller's) */
  track<T>(call: Promise<T>): Promise<T> {
    this.calls.add(call);
    const forget = () => void this.calls.delete(call);
    call.then(forget, forget);
    return call;
  }

  /** Resolves once none of the tracked calls is running; their failures are ignored here (each caller sees its own). */
  async settled(): Promise<void> {
    while (this.calls.size > 0) await Promise.allSettled([...this.calls]);
  }
}
