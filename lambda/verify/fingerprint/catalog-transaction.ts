/**
 * A transaction with `search_path = pg_catalog`, for reading (or recording) the schema fingerprint.
 *
 * `pg_get_indexdef`, `pg_get_constraintdef`, `pg_get_viewdef`, `format_type` and the like qualify a
 * name with its schema only when the schema is not on the search_path (PostgreSQL docs 9.27 "System
 * Information Functions"). The default search_path is `"$user", public`, so two roles, or two
 * connections with other settings, would print the same object differently. With only pg_catalog on
 * the path every user object is printed schema-qualified, the same from any role or driver.
 *
 * The Data API keeps no session state between calls (see `driver/driver.ts`), so the setting is made
 * with `SET LOCAL` inside a transaction. Cost: 3 calls besides the work (BeginTransaction, SET LOCAL,
 * Commit or Rollback).
 */
import type { Driver, Transaction } from '../../driver/driver';
import { withTransaction } from '../../driver/transaction';

/**
 * Runs `work` in a transaction whose search_path is `pg_catalog`. Committed when `work` resolves
 * (a read-only `work` commits nothing), rolled back when it throws.
 * @throws whatever `work` throws, or the driver's error when the transaction cannot start
 */
export async function withCatalogTransaction<T>(driver: Driver, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return withTransaction(driver, async (tx) => {
    await tx.execute('SET LOCAL search_path = pg_catalog');
    return work(tx);
  });
}
