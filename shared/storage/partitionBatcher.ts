import { setImmediate } from 'node:timers/promises';
import type { TableClient, TransactionAction } from '@azure/data-tables';

interface Queued {
  readonly action: TransactionAction;
  readonly resolve: (etag: string | undefined) => void;
  readonly reject: (error: unknown) => void;
}

const MAX_OPERATIONS_PER_TRANSACTION = 100;

/**
 * Groups concurrent writes to the same partition into entity-group transactions: while one
 * transaction is in flight, writes for that partition queue up and go together in the next one.
 * A lone write goes out as a plain request, after one turn of the event loop.
 *
 * Each write keeps its own outcome: if a transaction fails (one entity exists, one ETag is
 * stale), its writes are retried one by one, and only the write at fault fails.
 */
export class PartitionBatcher {
  private readonly queues = new Map<string, Queued[]>();
  private readonly draining = new Set<string>();

  constructor(private readonly client: () => TableClient) {}

  /** Resolves with the written entity's new ETag (undefined for deletes). */
  submit(action: TransactionAction): Promise<string | undefined> {
    const partition = action[1].partitionKey;
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(partition);
      if (!queue) this.queues.set(partition, (queue = []));
      queue.push({ action, resolve, reject });
      if (!this.draining.has(partition)) void this.drain(partition, queue);
    });
  }

  private async drain(partition: string, queue: Queued[]): Promise<void> {
    this.draining.add(partition);
    try {
      // Writes made in the same turn of the event loop (a request's instances made visible
      // together) go in the first transaction, not the second.
      await setImmediate();
      while (queue.length > 0) {
        const batch = takeDistinctRows(queue);
        if (batch.length === 1) {
          const [only] = batch as [Queued];
          await this.single(only);
        } else {
          await this.transaction(batch);
        }
      }
    } finally {
      this.draining.delete(partition);
      if (queue.length === 0) this.queues.delete(partition);
    }
  }

  private async transaction(batch: Queued[]): Promise<void> {
    let response;
    try {
      response = await this.client().submitTransaction(batch.map((q) => q.action));
    } catch {
      await Promise.all(batch.map((q) => this.single(q)));
      return;
    }
    // Sub-responses come in the order of the operations; the SDK's lookup by RowKey compares the
    // URL-encoded key from the response with the raw one, which fails for keys with `|`.
    batch.forEach((queued, i) => queued.resolve(response.subResponses[i]?.etag));
  }

  private async single(queued: Queued): Promise<void> {
    try {
      queued.resolve(await executeAlone(this.client(), queued.action));
    } catch (error) {
      queued.reject(error);
    }
  }
}

const batchers = new WeakMap<TableClient, PartitionBatcher>();

/**
 * The batcher of one table client. Keyed by the client, not the table's name: a data partition
 * has its own client of each table, and the batcher's drain, started by whichever request wrote
 * first, must write every queued action to the table it was queued for (docs/partitions.md).
 */
export function batcherOf(client: TableClient): PartitionBatcher {
  let batcher = batchers.get(client);
  if (!batcher) {
    batcher = new PartitionBatcher(() => client);
    batchers.set(client, batcher);
  }
  return batcher;
}

/** A transaction may touch each entity once: the batch stops at the first repeated RowKey. */
function takeDistinctRows(queue: Queued[]): Queued[] {
  const rows = new Set<string>();
  let count = 0;
  while (count < queue.length && count < MAX_OPERATIONS_PER_TRANSACTION) {
    const rowKey = (queue[count] as Queued).action[1].rowKey;
    if (rows.has(rowKey)) break;
    rows.add(rowKey);
    count += 1;
  }
  return queue.splice(0, count);
}

async function executeAlone(client: TableClient, action: TransactionAction): Promise<string | undefined> {
  const [kind, entity] = action;
  switch (kind) {
    case 'create':
      return (await client.createEntity(entity)).etag;
    case 'delete': {
      const etag = (entity as { etag?: string }).etag;
      await client.deleteEntity(entity.partitionKey, entity.rowKey, etag ? { etag } : {});
      return undefined;
    }
    case 'update':
      return (await client.updateEntity(entity, action[2], action[3])).etag;
    case 'upsert':
      return (await client.upsertEntity(entity, action[2])).etag;
  }
}
