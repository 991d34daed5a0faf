import { getConfig } from '../config';
import type { ChangeFeedQuery } from './changeFeedQuery';
import { firstSequenceAtOrAfter, latestSequence, readEntry, readRange, type FeedRow } from './changeFeedReader';
import { entryStatuses, type EntryState } from './changeFeedStates';
import type { RawJson } from './rawJson';

/** One change-feed entry as the Azure DICOM service returns it (its field names and order). */
export interface ChangeFeedEntryJson {
  readonly Sequence: number;
  /** With data partitions enabled only (docs/partitions.md). */
  readonly PartitionName?: string;
  readonly StudyInstanceUid: string;
  readonly SeriesInstanceUid: string;
  readonly SopInstanceUid: string;
  readonly Action: string;
  /** UTC, ISO 8601. */
  readonly Timestamp: string;
  readonly State: EntryState;
  /** The instance's DICOM JSON, as stored (written into the answer unparsed). */
  readonly Metadata?: RawJson;
}

/** A page of the change feed; its cost follows the page size (docs/delete-and-changefeed.md). */
export async function readChangeFeed(query: ChangeFeedQuery): Promise<ChangeFeedEntryJson[]> {
  const rows = query.kind === 'sequence' ? await readRange(query.afterSequence, query.limit) : await readWindow(query);
  return describe(rows, query.includeMetadata);
}

/** The newest entry, or undefined when nothing was ever stored or deleted. */
export async function readLatestChange(includeMetadata: boolean): Promise<ChangeFeedEntryJson | undefined> {
  const last = await latestSequence();
  const row = last > 0 ? await readEntry(last) : undefined;
  return row ? (await describe([row], includeMetadata))[0] : undefined;
}

async function readWindow(query: Extract<ChangeFeedQuery, { kind: 'timeWindow' }>): Promise<FeedRow[]> {
  const last = await latestSequence();
  const first = query.startTime ? await firstSequenceAtOrAfter(query.startTime, last) : 1;
  const rows = await readRange(first - 1 + query.skip, query.limit);
  const end = query.endTime?.getTime();
  // Event times never decrease along the sequence: the window ends at the first entry past it.
  return end === undefined ? rows : rows.filter((row) => row.eventTime.getTime() < end);
}

async function describe(rows: readonly FeedRow[], includeMetadata: boolean): Promise<ChangeFeedEntryJson[]> {
  const statuses = await entryStatuses(rows, includeMetadata);
  const partitioned = getConfig().storage.dataPartitions;
  return rows.map((row, i) => {
    const status = statuses[i];
    const entry: ChangeFeedEntryJson = {
      Sequence: row.sequence,
      ...(partitioned ? { PartitionName: row.partitionName } : {}),
      StudyInstanceUid: row.studyInstanceUid,
      SeriesInstanceUid: row.seriesInstanceUid,
      SopInstanceUid: row.sopInstanceUid,
      Action: row.action,
      Timestamp: row.eventTime.toISOString(),
      State: status?.state ?? 'deleted',
    };
    return status?.metadata ? { ...entry, Metadata: status.metadata } : entry;
  });
}
