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
  /**
   * `auto` (the default): stage after DIRECT_ATTEMPTS lost races. Tests and benchmarks only:
   * `always` stages every commit, as a worker that always loses would; `never` retries the direct
   * transaction instead, as releases before staging did (bench/feedWriters.ts compares them).
   */
  readonly staging?: 'auto' | 'always' | 'never';
}

/** Rounds a staged commit leaves to the owner of an older staged row before running one itself. */
const MAX_DEFERRALS = 4;
/** The most a staged commit waits before its first round (the spread that lets one round take many). */
const FIRST_ROUND_JITTER_MS = 10;
/** How long a writer that had to stage stages at once. */
const STAGE_STICKY_MS = 5_000;
/** Direct attempts of a writer that never stages, as earlier releases made. */
const NEVER_STAGE_ATTEMPTS = 50;

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
  /** Until then, commits are staged at once: the last one lost its direct attempts. */
  private stageUntil = 0;

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
    let counter: CounterState | undefined;
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      if (round === 0 && this.options.staging !== 'always') {
        // Other workers that lost the same race are about to run rounds too: give one of them a
        // moment to number this row as well, then look before running one.
        await sleep(randomInt(0, FIRST_ROUND_JITTER_MS));
        counter = await readCounter(client);
        const numbered = numberedIn(counter, stage);
        if (numbered) return numbered;
      }
      // The oldest row's owner runs the round; the others wait for it, up to a few times (it may be gone).
      const deferUnlessOldest = round < MAX_DEFERRALS ? stage : undefined;
      const result = await sequenceRound(client, { counter, deferUnlessOldest });
      counter = undefined;
      if (result === 'contended' || result === 'deferred') {
        // Another round or commit won. A round numbers every staged row, so first look whether
        // it numbered this one: one read, where another round would be two and a transaction.
        this.counter = undefined;
        await sleep(randomInt(5, 20 + 10 * Math.min(round, 10)));
        counter = await readCounter(client);
        const numbered = numberedIn(counter, stage);
        if (numbered) return numbered;
        continue;
      }
      this.counter = result.counter;
      const mine = result.numbered.find((n) => sameStage(n, stage));
      if (mine) return { first: mine.first, timestamp: result.timestamp };
      const byLastRound = numberedIn(result.before, stage);
      if (byLastRound) return byLastRound;
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
    const staging = this.options.staging ?? 'auto';
    // Under contention, skip the direct attempts that would only lose again.
    const contended = staging === 'auto' && Date.now() < this.stageUntil;
    const attempts = contended ? 0 : { auto: DIRECT_ATTEMPTS, always: 0, never: NEVER_STAGE_ATTEMPTS }[staging];
    let floor = this.counter?.last ?? 0;
    for (let attempt = 0; attempt < attempts; attempt += 1) {
      const counter = this.counter ?? (await readCounter(client));
      floor = counter.last;
      const committed = await this.commitDirectly(client, counter, events);
      if (committed) return committed;
    }
    if (staging === 'never') throw new Error('The change feed stayed contended after many retries.');
    if (attempts === 0) floor = this.counter?.last ?? (await readCounter(client)).last;
    if (staging === 'auto') this.stageUntil = Date.now() + STAGE_STICKY_MS;
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
    const next = { ...counter, last, lastTimestamp: timestamp.getTime() };
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

/** Where the counter's last round numbered `stage`, if it did. */
function numberedIn(counter: CounterState, stage: StageRef): BlockPosition | undefined {
  const numbered = counter.sequenced.find((n) => sameStage(n, stage));
  return numbered && { first: numbered.first, timestamp: new Date(counter.sequencedAt) };
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
    staging: getConfig().store.localFeedAlwaysStage ? 'always' : 'auto',
  });
  return writer;
}
