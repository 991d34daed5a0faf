/**
 * Maps items with at most `concurrency` calls in flight, keeping the input order in the result.
 * Bounds the storage requests one page or one delete makes at a time, so a large study neither
 * floods the account's connection pool nor waits on strictly serial round trips.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, () => worker()));
  return results;
}
