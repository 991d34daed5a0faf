import { odata } from '@azure/data-tables';
import { table } from '../storage/clients';
import { getEntityIfExists } from '../storage/entityReads';
import { COUNTER_ROW, FEED_PARTITION, sequenceRowKey, type ChangeFeedAction } from './changeFeedEntry';

/** One `seq-` row as stored by the writer. */
export interface FeedRow {
  readonly sequence: number;
  readonly action: ChangeFeedAction;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly version: string;
  readonly eventTime: Date;
}

interface StoredRow {
  Sequence: number;
  Action: ChangeFeedAction;
  StudyInstanceUid: string;
  SeriesInstanceUid: string;
  SopInstanceUid: string;
  Version: string;
  EventTime: Date;
}

const ROW_COLUMNS = [
  'Sequence',
  'Action',
  'StudyInstanceUid',
  'SeriesInstanceUid',
  'SopInstanceUid',
  'Version',
  'EventTime',
];

/**
 * Reads of the change feed whose cost follows the page, never the feed: sequences are gapless and
 * RowKeys are zero-padded sequences, so "the next n entries after s" is one RowKey range, and the
 * first entry at or after a time is a binary search over point reads (event times never decrease
 * along the sequence). See docs/delete-and-changefeed.md.
 */

/** The last committed sequence (0 for an empty feed). Entries up to it are all present. */
export async function latestSequence(): Promise<number> {
  const counter = await getEntityIfExists<{ Last: number }>(table('changeFeed'), FEED_PARTITION, COUNTER_ROW, {
    queryOptions: { select: ['Last'] },
  });
  return counter ? Number(counter.Last) : 0;
}

export async function readEntry(sequence: number): Promise<FeedRow | undefined> {
  const row = await getEntityIfExists<StoredRow>(table('changeFeed'), FEED_PARTITION, sequenceRowKey(sequence), {
    queryOptions: { select: ROW_COLUMNS },
  });
  return row && feedRow(row);
}

/** Entries `afterSequence + 1` to `afterSequence + limit` that exist, in sequence order: one range query. */
export async function readRange(afterSequence: number, limit: number): Promise<FeedRow[]> {
  const from = sequenceRowKey(afterSequence);
  const to = sequenceRowKey(afterSequence + limit);
  const filter = odata`PartitionKey eq ${FEED_PARTITION} and RowKey gt ${from} and RowKey le ${to}`;
  const rows: FeedRow[] = [];
  const entities = table('changeFeed').listEntities<StoredRow>({ queryOptions: { filter, select: ROW_COLUMNS } });
  for await (const entity of entities) rows.push(feedRow(entity));
  return rows;
}

/**
 * The first sequence whose event time is at or after `time`, or `last + 1` if there is none.
 * About log2(last) point reads: 20 for a million entries.
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

function feedRow(row: StoredRow): FeedRow {
  return {
    sequence: Number(row.Sequence),
    action: row.Action,
    studyInstanceUid: row.StudyInstanceUid,
    seriesInstanceUid: row.SeriesInstanceUid,
    sopInstanceUid: row.SopInstanceUid,
    version: row.Version,
    eventTime: row.EventTime instanceof Date ? row.EventTime : new Date(row.EventTime),
  };
}
