import type { TableClient } from '@azure/data-tables';
import { currentPartition } from '../partitions/partitionContext';
import { table } from '../storage/clients';
import { getEntityIfExists } from '../storage/entityReads';
import { FEED_PARTITION, legacyCreatedRowKey, legacyDeletedRowKey, type ChangeFeedAction } from './changeFeedEntry';
import { firstSequenceAtOrAfter, latestSequence, rowsFrom } from './changeFeedReader';

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
 * Rows of earlier releases (one per version) are looked up first.
 */
export async function findEvent(
  action: ChangeFeedAction,
  version: string,
  window: CommitWindow,
): Promise<FoundEvent | undefined> {
  const client = table('changeFeed');
  const legacy = await legacyRecord(
    client,
    action === 'create' ? legacyCreatedRowKey(version) : legacyDeletedRowKey(version),
  );
  if (legacy) return legacy;
  const last = await latestSequence();
  if (last === 0) return undefined;
  const start = await firstSequenceAtOrAfter(window.from, last);
  // Recovery runs inside the partition of the instance; a version names one attempt of one partition.
  const partitionName = currentPartition().name;
  for await (const row of rowsFrom(start - 1)) {
    if (row.sequence < start) continue;
    if (row.eventTime.getTime() > window.until.getTime()) return undefined;
    if (row.version === version && row.action === action && row.partitionName === partitionName)
      return { sequence: row.sequence, timestamp: row.eventTime };
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
