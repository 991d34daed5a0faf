import { odata } from '@azure/data-tables';
import { DEFAULT_PARTITION } from '../partitions/partition';
import { table } from '../storage/clients';
import { getEntityIfExists } from '../storage/entityReads';
import {
  COUNTER_ROW,
  decodeEvents,
  FEED_PARTITION,
  MAX_EVENTS_PER_BLOCK,
  sequenceRowKey,
  type ChangeFeedAction,
} from './changeFeedEntry';

/** One `seq-` row as stored by the writer. */
export interface FeedRow {
  readonly sequence: number;
  readonly action: ChangeFeedAction;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly version: string;
  readonly eventTime: Date;
  /** The instance's data partition (docs/partitions.md). */
  readonly partitionName: string;
}

/** A `seq-` row: a block of events (this release) or one event (earlier releases). */
interface StoredRow {
  EventTime: Date | string;
  // A block:
  First?: number;
  Count?: number;
  Events?: string;
  // One event:
  Sequence?: number;
  Action?: ChangeFeedAction;
  StudyInstanceUid?: string;
  SeriesInstanceUid?: string;
  SopInstanceUid?: string;
  Version?: string;
}

const ROW_COLUMNS = [
  'EventTime',
  'First',
  'Count',
  'Events',
  'Sequence',
  'Action',
  'StudyInstanceUid',
  'SeriesInstanceUid',
  'SopInstanceUid',
  'Version',
];

/**
 * Reads of the change feed whose cost follows the page, never the feed: sequences are gapless and
 * RowKeys are zero-padded first sequences of blocks of at most MAX_EVENTS_PER_BLOCK events, so
 * "the next n entries after s" is one RowKey range starting one block early, and the first entry
 * at or after a time is a binary search over such ranges (event times never decrease along the
 * sequence). See docs/delete-and-changefeed.md.
 */

/** The last committed sequence (0 for an empty feed). Entries up to it are all present. */
export async function latestSequence(): Promise<number> {
  const counter = await getEntityIfExists<{ Last: number }>(table('changeFeed'), FEED_PARTITION, COUNTER_ROW, {
    queryOptions: { select: ['Last'] },
  });
  return counter ? Number(counter.Last) : 0;
}

export async function readEntry(sequence: number): Promise<FeedRow | undefined> {
  if (sequence < 1) return undefined;
  return (await readRange(sequence - 1, 1))[0];
}

/** Entries `afterSequence + 1` to `afterSequence + limit` that exist, in sequence order: one range query. */
export async function readRange(afterSequence: number, limit: number): Promise<FeedRow[]> {
  const last = afterSequence + limit;
  const rows: FeedRow[] = [];
  for await (const row of rowsFrom(afterSequence, last)) {
    if (row.sequence > afterSequence && row.sequence <= last) rows.push(row);
  }
  return rows;
}

/**
 * The entries of every `seq-` row that may hold a sequence after `afterSequence` (a block starting
 * up to MAX_EVENTS_PER_BLOCK - 1 earlier may), up to `until` when given, in sequence order.
 */
export async function* rowsFrom(afterSequence: number, until?: number): AsyncGenerator<FeedRow> {
  const from = sequenceRowKey(Math.max(0, afterSequence - MAX_EVENTS_PER_BLOCK + 1));
  const filter =
    until === undefined
      ? odata`PartitionKey eq ${FEED_PARTITION} and RowKey gt ${from} and RowKey lt ${'seq.'}`
      : odata`PartitionKey eq ${FEED_PARTITION} and RowKey gt ${from} and RowKey le ${sequenceRowKey(until)}`;
  const entities = table('changeFeed').listEntities<StoredRow>({ queryOptions: { filter, select: ROW_COLUMNS } });
  for await (const entity of entities) yield* feedRows(entity);
}

/**
 * The first sequence whose event time is at or after `time`, or `last + 1` if there is none.
 * About log2(last) small range reads: 20 for a million entries.
 */
export async function firstSequenceAtOrAfter(time: Date, last: number): Promise<number> {
  let low = 1;
  let high = last + 1;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    const entry = await readEntry(middle);
    // Every sequence up to the counter exists; a missing one can only mean a torn read of a
    // table we do not own, and treating it as "later" keeps the search inside the feed.
    if (!entry || entry.eventTime.getTime() >= time.getTime()) high = middle;
    else low = middle + 1;
  }
  return low;
}

function feedRows(row: StoredRow): FeedRow[] {
  const eventTime = row.EventTime instanceof Date ? row.EventTime : new Date(row.EventTime);
  if (typeof row.Events === 'string') {
    const first = Number(row.First);
    return decodeEvents(row.Events).map((event, i) => ({
      ...event,
      partitionName: event.partitionName ?? DEFAULT_PARTITION.name,
      sequence: first + i,
      eventTime,
    }));
  }
  return [
    {
      sequence: Number(row.Sequence),
      action: row.Action as ChangeFeedAction,
      studyInstanceUid: row.StudyInstanceUid ?? '',
      seriesInstanceUid: row.SeriesInstanceUid ?? '',
      sopInstanceUid: row.SopInstanceUid ?? '',
      version: row.Version ?? '',
      eventTime,
      partitionName: DEFAULT_PARTITION.name,
    },
  ];
}
