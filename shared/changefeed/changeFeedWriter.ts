import type { TableClient, TransactionAction } from '@azure/data-tables';
import { table } from '../storage/clients';
import { asServiceUnavailable, isStorageStatus } from '../storage/storageErrors';
import {
  COUNTER_ROW,
  FEED_PARTITION,
  sequenceRowKey,
  createdVersionRowKey,
  deletedVersionRowKey,
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

// Two rows per event plus the counter must fit in one entity-group transaction (at most 100
// operations and 4 MiB); commit records are small, but a batch stops growing at 2 MiB of them.
const MAX_EVENTS_PER_TRANSACTION = 49;
const MAX_COMMIT_RECORD_CHARS_PER_TRANSACTION = 1024 * 1024;
const MAX_CONFLICT_RETRIES = 50;

/**
 * Appends events to the change feed with gapless, strictly increasing sequence numbers.
 *
 * The counter row and the numbered entry rows live in one partition and change in one
 * transaction guarded by the counter's ETag, so a sequence is never handed out twice (another
 * writer's commit makes ours fail with 412 and we retry from the new counter) and a reader never
 * sees a gap that fills in later (entries appear together with the counter that covers them).
 * Events that arrive while a transaction is in flight are grouped into the next one: under load,
 * one round trip commits up to 49 events.
 */
export class ChangeFeedWriter {
  private readonly queue: Pending[] = [];
  private running = false;
  private counter: CounterState | undefined;

  constructor(private readonly client: () => TableClient) {}

  append(event: ChangeFeedEvent): Promise<CommittedChangeFeedEvent> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
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
    let chars = 0;
    let count = 0;
    while (count < this.queue.length && count < MAX_EVENTS_PER_TRANSACTION) {
      const record = this.queue[count]?.event.commitRecord;
      chars += record ? JSON.stringify(record).length : 0;
      if (count > 0 && chars > MAX_COMMIT_RECORD_CHARS_PER_TRANSACTION) break;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async commit(events: readonly ChangeFeedEvent[]): Promise<CommittedChangeFeedEvent[]> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const counter = this.counter ?? (await this.readCounter());
      // Timestamps never go backwards, even if this machine's clock is behind the last writer's.
      const timestamp = new Date(Math.max(Date.now(), counter.lastTimestamp));
      const committed = events.map((event, i) => ({ ...event, sequence: counter.last + 1 + i, timestamp }));
      // The commit record goes on the created-version row only, keeping feed entries lean.
      const last = counter.last + events.length;
      const actions: TransactionAction[] = [counterAction(counter, last, timestamp.getTime())];
      for (const entry of committed) {
        actions.push(['create', entryEntity(entry)]);
        actions.push(['create', versionRecordEntity(entry)]);
      }
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

function entryEntity(entry: CommittedChangeFeedEvent) {
  return {
    partitionKey: FEED_PARTITION,
    rowKey: sequenceRowKey(entry.sequence),
    Sequence: entry.sequence,
    Action: entry.action,
    StudyInstanceUid: entry.studyInstanceUid,
    SeriesInstanceUid: entry.seriesInstanceUid,
    SopInstanceUid: entry.sopInstanceUid,
    Version: entry.version,
    // `Timestamp` is the table service's own property name, hence EventTime.
    EventTime: entry.timestamp,
  };
}

/**
 * The record that an event about this version was committed, read by recovery: a create's carries
 * the instance entity's properties, a delete's only says it happened.
 */
function versionRecordEntity(entry: CommittedChangeFeedEvent) {
  const isCreate = entry.action === 'create';
  return {
    ...(isCreate ? entry.commitRecord : {}),
    partitionKey: FEED_PARTITION,
    rowKey: isCreate ? createdVersionRowKey(entry.version) : deletedVersionRowKey(entry.version),
    Sequence: entry.sequence,
    EventTime: entry.timestamp,
  };
}

let writer: ChangeFeedWriter | undefined;

/** The one change-feed writer of this worker: every store and delete goes through it. */
export function changeFeed(): ChangeFeedWriter {
  writer ??= new ChangeFeedWriter(() => table('changeFeed'));
  return writer;
}
