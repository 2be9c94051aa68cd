import type { Driver, Transaction } from './driver';

/**
 * Runs `work` in a transaction: commits when it resolves, rolls back when it throws (and rethrows the
 * original error; a failure of the rollback itself is attached as `cause` only if the work's error
 * had none).
 */
export async function withTransaction<T>(driver: Driver, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const tx = await driver.beginTransaction();
  let result: T;
  try {
    result = await work(tx);
  } catch (error) {
    try {
      await tx.rollback();
    } catch {
      // The transaction is already gone (aborted, expired): the work's error is the one to report.
    }
    throw error;
  }
  await tx.commit();
  return result;
}
