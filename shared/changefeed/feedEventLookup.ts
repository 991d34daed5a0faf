import type { TableClient } from '@azure/data-tables';
import { currentPartition } from '../partitions/partitionContext';
import { table } from '../storage/clients';
import { getEntityIfExists } from '../storage/entityReads';
import { FEED_PARTITION, legacyCreatedRowKey, legacyDeletedRowKey, type ChangeFeedAction } from './changeFeedEntry';
import { firstSequenceAtOrAfter, latestSequence, readRange, rowsFrom } from './changeFeedReader';
import { changeFeed } from './changeFeedWriter';
import { listStaged } from './feedStaging';
import { lateBlocksStagedBetween } from './lateRows';

export interface FoundEvent {
  readonly sequence: number;
  readonly timestamp: Date;
  /** A create's instance entity properties, which only earlier releases' commit records carry. */
  readonly legacyProperties?: Record<string, unknown>;
}

/** When the event can have been committed, if it was. */
export interface CommitWindow {
  readonly from: Date;
  readonly until: Date;
}

/**
 * Finds the committed event of one version, for recovery only: blocks hold no row per version
 * (that row would be an entity write per event in the partition every store writes), so the feed
 * is searched over the window in which the event can have been committed: the first entry at or
 * after `from` by binary search, then forward until an entry is later than `until`. Its cost
 * follows the events committed in the window, which the lease bounds (shared/store/commitWindow.ts).
 * Rows of earlier releases (one per version) are looked up first. A commit staged by a worker
 * that lost the race for the counter (shared/changefeed/feedStaging.ts) is committed too: if it
 * is still staged, it is numbered here first; if a round numbered it long after it was staged,
 * its `late-` row finds it by staging time.
 */
export async function findEvent(
  action: ChangeFeedAction,
  version: string,
  window: CommitWindow,
): Promise<FoundEvent | undefined> {
  const client = table('changeFeed');
  // Earlier releases had no updates, hence no update records.
  if (action !== 'update') {
    const legacy = await legacyRecord(
      client,
      action === 'create' ? legacyCreatedRowKey(version) : legacyDeletedRowKey(version),
    );
    if (legacy) return legacy;
  }
  // Recovery runs inside the partition of the instance; a version names one attempt of one partition.
  const partitionName = currentPartition().name;
  const isIt = (e: { action: ChangeFeedAction; version: string; partitionName?: string }) =>
    e.version === version && e.action === action && e.partitionName === partitionName;
  const last = await latestSequence();
  const staged = await stagedEvent(client, isIt, last);
  if (staged) return staged;
  if (last === 0) return undefined;
  const start = await firstSequenceAtOrAfter(window.from, last);
  for await (const row of rowsFrom(start - 1)) {
    if (row.sequence < start) continue;
    if (row.eventTime.getTime() > window.until.getTime()) break;
    if (isIt(row)) return { sequence: row.sequence, timestamp: row.eventTime };
  }
  for (const block of await lateBlocksStagedBetween(client, window.from, window.until)) {
    const row = (await readRange(block.first - 1, block.count)).find(isIt);
    if (row) return { sequence: row.sequence, timestamp: row.eventTime };
  }
  return undefined;
}

/** The event, if it is in a stage row: numbered first (by this worker's round or another's). */
async function stagedEvent(
  client: TableClient,
  isIt: (e: { action: ChangeFeedAction; version: string; partitionName?: string }) => boolean,
  floor: number,
): Promise<FoundEvent | undefined> {
  for (const stage of await listStaged(client)) {
    const index = stage.events.findIndex(isIt);
    if (index < 0) continue;
    const at = await changeFeed().whenSequenced(stage, floor);
    return { sequence: at.first + index, timestamp: at.timestamp };
  }
  return undefined;
}

async function legacyRecord(client: TableClient, rowKey: string): Promise<FoundEvent | undefined> {
  const entity = await getEntityIfExists<Record<string, unknown>>(client, FEED_PARTITION, rowKey);
  if (!entity) return undefined;
  const { partitionKey: _pk, rowKey: _rk, etag: _etag, timestamp: _ts, EventTime, Sequence, ...properties } = entity;
  return {
    sequence: Number(Sequence),
    timestamp: new Date(EventTime as Date | string),
    legacyProperties: properties,
  };
}
