import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { randomInt } from 'node:crypto';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { getConfig } from '../config';
import { currentPartition } from '../partitions/partitionContext';
import { table } from '../storage/clients';
import { asServiceUnavailable, isStorageStatus } from '../storage/storageErrors';
import {
  encodeEvents,
  FEED_PARTITION,
  MAX_EVENTS_PER_BLOCK,
  sequenceRowKey,
  type ChangeFeedEvent,
  type CommittedChangeFeedEvent,
} from './changeFeedEntry';
import { notifyFeedCommit } from './feedCommitListeners';
import { counterAction, readCounter, type CounterState } from './feedCounter';
import { sequenceRound, stageName } from './feedSequencer';
import { sameStage, stageEvents, type StageRef } from './feedStaging';

/** Where a staged commit's events landed: the first sequence of its block and the block's event time. */
export interface BlockPosition {
  readonly first: number;
  readonly timestamp: Date;
}

interface Pending {
  readonly event: ChangeFeedEvent;
  readonly resolve: (committed: CommittedChangeFeedEvent) => void;
  readonly reject: (error: unknown) => void;
}

/** Direct attempts before a commit is staged: the cached counter, then a fresh read. */
const DIRECT_ATTEMPTS = 2;
/** Rounds a staged commit runs (or waits for) before its caller is told the feed is unavailable. */
const MAX_ROUNDS = 50;

export interface ChangeFeedWriterOptions {
  /** Test-only: stage every commit, as a worker that always loses the race would. */
  readonly alwaysStage?: boolean;
}

/**
 * Appends events to the change feed with gapless, strictly increasing sequence numbers.
 *
 * Uncontended, a commit is one transaction in the `feed` partition: the counter, guarded by its
 * ETag, and one block row holding the events, so a sequence is never handed out twice and a
 * reader never sees a gap that fills in later. Events that arrive while a transaction is in flight
 * go into the next one: one round trip and two entity writes commit up to 100 events.
 *
 * When another worker moved the counter twice under this one (many workers storing at once), the
 * events are staged instead (shared/changefeed/feedStaging.ts: one write outside the `feed`
 * partition, the commit point) and numbered by a sequencing round, this worker's or another's,
 * which numbers everything staged in one transaction (feedSequencer.ts). The append resolves only
 * once its events are numbered, so what a caller was told is committed is in the feed.
 */
export class ChangeFeedWriter {
  private readonly queue: Pending[] = [];
  private running = false;
  private counter: CounterState | undefined;

  constructor(
    private readonly client: () => TableClient,
    private readonly options: ChangeFeedWriterOptions = {},
  ) {}

  /** The event of the current partition (shared/partitions/partitionContext.ts), stamped now: the drain may run in another's. */
  append(event: ChangeFeedEvent): Promise<CommittedChangeFeedEvent> {
    const stamped = { ...event, partitionName: event.partitionName ?? currentPartition().name };
    return new Promise((resolve, reject) => {
      this.queue.push({ event: stamped, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /**
   * Waits until a stage row is numbered, running rounds itself: resolves with its events as
   * committed. `floor`: a sequence read before the row was staged (its events come after it).
   */
  async whenSequenced(stage: StageRef, floor: number): Promise<BlockPosition> {
    const client = this.client();
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const result = await sequenceRound(client);
      if (result === 'contended') {
        // Another round or commit won; it may have numbered this row. Spread the retries.
        this.counter = undefined;
        await sleep(randomInt(5, 20 + 10 * Math.min(round, 10)));
        continue;
      }
      this.counter = result.counter;
      const mine = result.numbered.find((n) => sameStage(n, stage));
      if (mine) return { first: mine.first, timestamp: result.timestamp };
      if (result.left.some((l) => sameStage(l, stage))) continue;
      // Numbered by an earlier round of another worker: find its block.
      const found = await findStagedBlock(client, stage, floor);
      if (found) return found;
    }
    throw new Error('The change feed stayed contended after many sequencing rounds.');
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      // Events appended in the same turn of the event loop (a request's commit group) share the
      // first transaction.
      await setImmediate();
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_EVENTS_PER_BLOCK);
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

  private async commit(events: readonly ChangeFeedEvent[]): Promise<CommittedChangeFeedEvent[]> {
    const client = this.client();
    let floor = this.counter?.last ?? 0;
    for (let attempt = 0; attempt < DIRECT_ATTEMPTS && !this.options.alwaysStage; attempt += 1) {
      const counter = this.counter ?? (await readCounter(client));
      floor = counter.last;
      const committed = await this.commitDirectly(client, counter, events);
      if (committed) return committed;
    }
    if (this.options.alwaysStage) floor = (await readCounter(client)).last;
    const staged = await stageEvents(client, events);
    // From here the events are committed: a failure below leaves them for the next round.
    const at = await this.whenSequenced(staged, floor);
    return numberedEvents(events, at.first, at.timestamp);
  }

  /** One counter-and-block transaction; undefined when another commit moved the counter first. */
  private async commitDirectly(
    client: TableClient,
    counter: CounterState,
    events: readonly ChangeFeedEvent[],
  ): Promise<CommittedChangeFeedEvent[] | undefined> {
    // Timestamps never go backwards, even if this machine's clock is behind the last writer's.
    const timestamp = new Date(Math.max(Date.now(), counter.lastTimestamp));
    const first = counter.last + 1;
    const last = counter.last + events.length;
    // The last round's rows stay named until the next round has deleted them (feedSequencer.ts).
    const next = { last, lastTimestamp: timestamp.getTime(), sequenced: counter.sequenced };
    const actions: TransactionAction[] = [
      counterAction(counter, next),
      ['create', blockEntity(first, events, timestamp)],
    ];
    try {
      const response = await client.submitTransaction(actions);
      // The counter is the first operation; sub-responses come in operation order.
      const etag = response.subResponses[0]?.etag;
      this.counter = etag ? { ...next, etag } : undefined; // unknown ETag: read it again next time
      notifyFeedCommit();
      return numberedEvents(events, first, timestamp);
    } catch (error) {
      // 412: another writer moved the counter; 409: the counter row appeared meanwhile.
      if (!isStorageStatus(error, 412, 409)) throw error;
      this.counter = undefined;
      return undefined;
    }
  }
}

function numberedEvents(
  events: readonly ChangeFeedEvent[],
  first: number,
  timestamp: Date,
): CommittedChangeFeedEvent[] {
  return events.map((event, i) => ({ ...event, sequence: first + i, timestamp }));
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

/** The block a round made of `stage`, searched from `floor`: the rows committed since it was staged. */
async function findStagedBlock(
  client: TableClient,
  stage: StageRef,
  floor: number,
): Promise<BlockPosition | undefined> {
  const from = sequenceRowKey(Math.max(0, floor - MAX_EVENTS_PER_BLOCK + 1));
  const filter = odata`PartitionKey eq ${FEED_PARTITION} and RowKey gt ${from} and RowKey lt ${'seq.'}`;
  const wanted = stageName(stage);
  const rows = client.listEntities<{ EventTime: Date; Stages?: string }>({
    queryOptions: { filter, select: ['EventTime', 'Stages'] },
  });
  for await (const row of rows) {
    if (!row.Stages?.includes(wanted)) continue;
    const entry = (JSON.parse(row.Stages) as [string, number][]).find(([name]) => name === wanted);
    if (entry) return { first: entry[1], timestamp: new Date(row.EventTime) };
  }
  return undefined;
}

let writer: ChangeFeedWriter | undefined;

/** The one change-feed writer of this worker: every store and delete goes through it. */
export function changeFeed(): ChangeFeedWriter {
  writer ??= new ChangeFeedWriter(() => table('changeFeed'), {
    alwaysStage: getConfig().store.localFeedAlwaysStage,
  });
  return writer;
}
