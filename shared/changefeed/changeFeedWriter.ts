import { setImmediate } from 'node:timers/promises';
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { currentPartition } from '../partitions/partitionContext';
import { table } from '../storage/clients';
import { asServiceUnavailable, isStorageStatus } from '../storage/storageErrors';
import {
  COUNTER_ROW,
  encodeEvents,
  FEED_PARTITION,
  MAX_EVENTS_PER_BLOCK,
  sequenceRowKey,
  type ChangeFeedEvent,
  type CommittedChangeFeedEvent,
} from './changeFeedEntry';

interface CounterState {
  last: number;
  lastTimestamp: number;
  /** undefined: the counter row does not exist yet. */
  etag: string | undefined;
}

interface Pending {
  readonly event: ChangeFeedEvent;
  readonly resolve: (committed: CommittedChangeFeedEvent) => void;
  readonly reject: (error: unknown) => void;
}

const MAX_CONFLICT_RETRIES = 50;

/**
 * Appends events to the change feed with gapless, strictly increasing sequence numbers.
 *
 * The counter row and the block row holding the events live in one partition and change in one
 * transaction guarded by the counter's ETag, so a sequence is never handed out twice (another
 * writer's commit makes ours fail with 412 and we retry from the new counter) and a reader never
 * sees a gap that fills in later (events appear together with the counter that covers them).
 * Events that arrive while a transaction is in flight are grouped into the next one: under load,
 * one round trip and two entity writes commit up to 100 events.
 */
export class ChangeFeedWriter {
  private readonly queue: Pending[] = [];
  private running = false;
  private counter: CounterState | undefined;

  constructor(private readonly client: () => TableClient) {}

  /** The event of the current partition (shared/partitions/partitionContext.ts), stamped now: the drain may run in another's. */
  append(event: ChangeFeedEvent): Promise<CommittedChangeFeedEvent> {
    const stamped = { ...event, partitionName: event.partitionName ?? currentPartition().name };
    return new Promise((resolve, reject) => {
      this.queue.push({ event: stamped, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Events appended in the same turn of the event loop (a request's commit group) share the
      // first transaction.
      await setImmediate();
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          const committed = await this.commit(batch.map((p) => p.event));
          batch.forEach((p, i) => p.resolve(committed[i] as CommittedChangeFeedEvent));
        } catch (error) {
          const mapped = asServiceUnavailable(error, 'change feed');
          batch.forEach((p) => p.reject(mapped));
        }
      }
    } finally {
      this.running = false;
    }
  }

  private takeBatch(): Pending[] {
    // 100 events of UIDs (at most 64 characters each) stay well inside a 64 KiB string property.
    return this.queue.splice(0, MAX_EVENTS_PER_BLOCK);
  }

  private async commit(events: readonly ChangeFeedEvent[]): Promise<CommittedChangeFeedEvent[]> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const counter = this.counter ?? (await this.readCounter());
      // Timestamps never go backwards, even if this machine's clock is behind the last writer's.
      const timestamp = new Date(Math.max(Date.now(), counter.lastTimestamp));
      const committed = events.map((event, i) => ({ ...event, sequence: counter.last + 1 + i, timestamp }));
      const last = counter.last + events.length;
      const actions: TransactionAction[] = [
        counterAction(counter, last, timestamp.getTime()),
        ['create', blockEntity(counter.last + 1, events, timestamp)],
      ];
      try {
        const response = await this.client().submitTransaction(actions);
        // The counter is the first operation; sub-responses come in operation order.
        const etag = response.subResponses[0]?.etag;
        this.counter = { last, lastTimestamp: timestamp.getTime(), etag };
        if (!etag) this.counter = undefined; // unknown ETag: read it again next time
        return committed;
      } catch (error) {
        // 412: another writer moved the counter; 409: the counter row appeared meanwhile.
        if (!isStorageStatus(error, 412, 409)) throw error;
        this.counter = undefined;
      }
    }
    throw new Error('The change feed stayed contended after many retries.');
  }

  private async readCounter(): Promise<CounterState> {
    try {
      const entity = await this.client().getEntity<{ Last: number; LastTimestamp?: number }>(
        FEED_PARTITION,
        COUNTER_ROW,
      );
      return { last: Number(entity.Last), lastTimestamp: Number(entity.LastTimestamp ?? 0), etag: entity.etag };
    } catch (error) {
      if (isStorageStatus(error, 404)) return { last: 0, lastTimestamp: 0, etag: undefined };
      throw error;
    }
  }
}

function counterAction(counter: CounterState, last: number, lastTimestamp: number): TransactionAction {
  const entity = { partitionKey: FEED_PARTITION, rowKey: COUNTER_ROW, Last: last, LastTimestamp: lastTimestamp };
  return counter.etag === undefined ? ['create', entity] : ['update', entity, 'Replace', { etag: counter.etag }];
}

function blockEntity(first: number, events: readonly ChangeFeedEvent[], timestamp: Date) {
  return {
    partitionKey: FEED_PARTITION,
    rowKey: sequenceRowKey(first),
    First: first,
    Count: events.length,
    Events: encodeEvents(events),
    // `Timestamp` is the table service's own property name, hence EventTime.
    EventTime: timestamp,
  };
}

let writer: ChangeFeedWriter | undefined;

/** The one change-feed writer of this worker: every store and delete goes through it. */
export function changeFeed(): ChangeFeedWriter {
  writer ??= new ChangeFeedWriter(() => table('changeFeed'));
  return writer;
}
