import { AsyncLocalStorage } from 'node:async_hooks';
import { DEFAULT_PARTITION, type Partition } from './partition';

/**
 * The partition the running code works in: set by the route pipeline around a handler (and by
 * background work around each partition it visits) and read by shared/storage/clients.ts, so every
 * table and blob client a request reaches is its partition's. Work deferred past a request (timers,
 * promises) inherits the context it was created in; a queue drained on behalf of several requests
 * must capture its clients when work is enqueued (shared/storage/partitionBatcher.ts).
 */
const ambient = new AsyncLocalStorage<Partition>();

/** The partition of the running code; the default partition outside any. */
export function currentPartition(): Partition {
  return ambient.getStore() ?? DEFAULT_PARTITION;
}

export function runInPartition<T>(partition: Partition, work: () => T): T {
  return ambient.run(partition, work);
}

/**
 * Values of `source`, each pulled inside `partition`: a streamed response body is read by the
 * library after the handler has returned, outside the handler's context, and the stream may
 * still open blobs as it goes (a study's instances one after another).
 */
export async function* pulledInPartition<T>(partition: Partition, source: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = runInPartition(partition, () => source[Symbol.asyncIterator]());
  let finished = false;
  try {
    for (;;) {
      const next = await runInPartition(partition, () => iterator.next());
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) await runInPartition(partition, async () => iterator.return?.());
  }
}
