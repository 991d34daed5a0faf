/**
 * A sequencing round: numbers every stage row (shared/changefeed/feedStaging.ts) in one transaction
 * of the `feed` partition: the counter, guarded by its ETag, and one block per stage row. However
 * many workers staged, one round's two-plus-n entity writes commit all of them, so the feed
 * partition's writes follow rounds, not stores (docs/delete-and-changefeed.md "Many writers").
 *
 * Exactly once: the counter names the rows its round numbered; a round deletes them after its
 * transaction, and the next round, which must read that counter to commit, deletes any it finds
 * still there (a crash in between) and never numbers them again.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { isStorageStatus } from '../storage/storageErrors';
import { encodeEvents, FEED_PARTITION, MAX_EVENTS_PER_BLOCK, sequenceRowKey } from './changeFeedEntry';
import { notifyFeedCommit } from './feedCommitListeners';
import { counterAction, readCounter, type CounterState, type SequencedStage } from './feedCounter';
import { deleteStaged, listStaged, sameStage, type StageRef, type StagedCommit } from './feedStaging';
import { lateRowKey } from './lateRows';

/** An entity-group transaction holds at most 100 operations: the counter, then blocks and late rows. */
const MAX_OPERATIONS = 100;
/** The counter names every row of its round, in a string property of at most 32K characters (~50 each). */
const MAX_STAGES_PER_ROUND = 400;

/**
 * A stage row numbered later than this after it was staged also gets a `late-` row, indexed by its
 * staging time, so recovery's search of the feed by commit time still finds it (feedEventLookup.ts).
 */
export const LATE_AFTER_MS = 60_000;

export interface RoundResult {
  /** The rows this round numbered, with their first sequence. */
  readonly numbered: readonly SequencedStage[];
  /** Their event time (one per round, like a direct commit's). */
  readonly timestamp: Date;
  /** Rows still staged after this round (more than one transaction's worth were waiting). */
  readonly left: readonly StageRef[];
  /** The counter as the round left it (or found it, when there was nothing to number). */
  readonly counter: CounterState;
  /** The counter as the round found it: its `sequenced` are the previous round's rows. */
  readonly before: CounterState;
}

export interface RoundOptions {
  /** The counter, if the caller has just read it. */
  readonly counter?: CounterState;
  /**
   * Defer to the owner of the oldest waiting row unless it is this one: one round numbers them
   * all, so many workers racing to run it would only lose transactions to each other.
   */
  readonly deferUnlessOldest?: StageRef;
  /** Test-only fault: stop after the transaction, before the stage rows are deleted (a crash there). */
  readonly stopAfterCommit?: boolean;
}

/** One round; 'contended' when another commit moved the counter meanwhile (the caller retries). */
export async function sequenceRound(
  client: TableClient,
  options: RoundOptions = {},
): Promise<RoundResult | 'contended' | 'deferred'> {
  const counter = options.counter ?? (await readCounter(client));
  const listed = await listStaged(client);
  const leftovers = listed.filter((s) => counter.sequenced.some((n) => sameStage(n, s)));
  // Numbered by the last round, which stopped before deleting them: finish its clean-up.
  if (leftovers.length > 0) await deleteStaged(client, leftovers);
  const waiting = listed.filter((s) => !leftovers.includes(s));
  const now = Date.now();
  const timestamp = new Date(Math.max(now, counter.lastTimestamp));
  if (waiting.length === 0) return { numbered: [], timestamp, left: [], counter, before: counter };
  const defer = options.deferUnlessOldest;
  if (defer && waiting.some((w) => sameStage(w, defer)) && !sameStage(waiting[0] as StagedCommit, defer)) {
    return 'deferred';
  }

  const { taken, numbered, blocks } = planRound(waiting, counter.last + 1, timestamp);
  const last = counter.last + numbered.reduce((sum, n) => sum + n.count, 0);
  const actions: TransactionAction[] = [
    counterAction(counter, {
      last,
      lastTimestamp: timestamp.getTime(),
      sequenced: numbered,
      sequencedAt: timestamp.getTime(),
    }),
    ...blocks.map((block) => blockAction(block, timestamp)),
    ...taken.filter((stage) => isLate(stage, timestamp)).map((stage) => lateAction(stage, numbered)),
  ];
  let etag: string | undefined;
  try {
    const response = await client.submitTransaction(actions);
    etag = response.subResponses[0]?.etag;
  } catch (error) {
    if (isStorageStatus(error, 412, 409)) return 'contended';
    throw error;
  }
  notifyFeedCommit();
  const after: CounterState = {
    last,
    lastTimestamp: timestamp.getTime(),
    sequenced: numbered,
    sequencedAt: timestamp.getTime(),
    etag,
  };
  if (!options.stopAfterCommit) {
    // Best effort: the next round deletes whatever this leaves (the counter names them).
    await deleteStaged(client, taken).catch(() => undefined);
  }
  return { numbered, timestamp, left: waiting.slice(taken.length), counter: after, before: counter };
}

function isLate(stage: StagedCommit, timestamp: Date): boolean {
  return timestamp.getTime() - stage.stagedAt.getTime() > LATE_AFTER_MS;
}

interface PlannedBlock {
  readonly first: number;
  readonly stages: StagedCommit[];
  events: number;
}

/**
 * Which waiting stage rows this round takes, oldest first, and the blocks they fill: a block holds
 * up to MAX_EVENTS_PER_BLOCK events of several stage rows (never one row split), so a round of many
 * single-event commits writes one block per hundred events, not one per commit.
 */
function planRound(waiting: readonly StagedCommit[], firstSequence: number, timestamp: Date) {
  const taken: StagedCommit[] = [];
  const numbered: SequencedStage[] = [];
  const blocks: PlannedBlock[] = [];
  let operations = 1; // the counter
  let next = firstSequence;
  for (const stage of waiting) {
    if (taken.length >= MAX_STAGES_PER_ROUND) break;
    const current = blocks.at(-1);
    const fits = current !== undefined && current.events + stage.events.length <= MAX_EVENTS_PER_BLOCK;
    const needed = (fits ? 0 : 1) + (isLate(stage, timestamp) ? 1 : 0);
    if (operations + needed > MAX_OPERATIONS) break;
    operations += needed;
    const block = fits ? current : { first: next, stages: [], events: 0 };
    if (!fits) blocks.push(block);
    block.stages.push(stage);
    block.events += stage.events.length;
    numbered.push({ partitionKey: stage.partitionKey, rowKey: stage.rowKey, first: next, count: stage.events.length });
    taken.push(stage);
    next += stage.events.length;
  }
  return { taken, numbered, blocks };
}

/** The `Stages` of a block: each stage row it holds and the first sequence of that row's events. */
export function stagesProperty(stages: readonly StagedCommit[], first: number): string {
  let next = first;
  return JSON.stringify(
    stages.map((stage) => {
      const entry = [stageName(stage), next];
      next += stage.events.length;
      return entry;
    }),
  );
}

export function stageName(stage: StageRef): string {
  return `${stage.partitionKey}/${stage.rowKey}`;
}

function blockAction(block: PlannedBlock, timestamp: Date): TransactionAction {
  return [
    'create',
    {
      partitionKey: FEED_PARTITION,
      rowKey: sequenceRowKey(block.first),
      First: block.first,
      Count: block.events,
      Events: encodeEvents(block.stages.flatMap((stage) => stage.events)),
      EventTime: timestamp,
      Stages: stagesProperty(block.stages, block.first),
    },
  ];
}

function lateAction(stage: StagedCommit, numbered: readonly SequencedStage[]): TransactionAction {
  const at = numbered.find((n) => sameStage(n, stage)) as SequencedStage;
  return [
    'create',
    {
      partitionKey: FEED_PARTITION,
      rowKey: lateRowKey(stage.stagedAt, stage.rowKey),
      First: at.first,
      Count: at.count,
    },
  ];
}

/**
 * Numbers whatever is left staged (a worker died between staging and its round): start-up
 * recovery and the sweeper run it, so a stranded commit reaches the feed without waiting for the
 * next contended one. Costs a counter read and one listing when nothing is staged.
 */
export async function sequenceLeftovers(client: TableClient): Promise<number> {
  let numbered = 0;
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const round = await sequenceRound(client);
    if (round === 'contended' || round === 'deferred') continue;
    numbered += round.numbered.reduce((sum, n) => sum + n.count, 0);
    if (round.left.length === 0) break;
  }
  return numbered;
}
