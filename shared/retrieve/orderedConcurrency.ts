/**
 * Maps an async source with at most `concurrency` calls in flight, yielding results in source
 * order: per-instance metadata blobs are read in parallel but written in listing order.
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T>,
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const window: Promise<R>[] = [];
  try {
    for await (const item of source) {
      const result = fn(item);
      // Failures surface when their turn comes; until then they must not count as unhandled.
      result.catch(() => undefined);
      window.push(result);
      if (window.length >= concurrency) yield await (window.shift() as Promise<R>);
    }
    while (window.length > 0) yield await (window.shift() as Promise<R>);
  } finally {
    window.length = 0;
  }
}
