/**
 * Runs independent scenarios a few at a time: each is mostly waiting (on PostgreSQL, on a lease to
 * expire), so a small pool shortens the suite without loading the shared 2-core machine much.
 */

/**
 * Calls `work` for every item, at most `limit` at once, and resolves with the results in item order
 * once all have settled.
 * @throws the first error `work` threw, after every started call has settled
 */
export async function mapConcurrently<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`mapConcurrently: limit must be a whole number >= 1, got ${limit}`);
  const results = new Array<R>(items.length);
  const errors: unknown[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await work(items[index]!, index);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (errors.length > 0) throw errors[0];
  return results;
}
