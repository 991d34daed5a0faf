/**
 * `late-` rows: an index, by staging time, of the blocks a sequencing round numbered long after
 * they were staged (a worker died between staging and its round; shared/changefeed/feedSequencer.ts).
 * Their event time is the round's, outside the window in which recovery searches the feed by time,
 * so recovery looks them up by when they were staged instead (feedEventLookup.ts).
 */
import { odata, type TableClient } from '@azure/data-tables';
import { FEED_PARTITION } from './changeFeedEntry';

const LATE_PREFIX = 'late-';

function timeKey(time: Date): string {
  return Math.max(0, time.getTime()).toString().padStart(15, '0');
}

export function lateRowKey(stagedAt: Date, stageRowKey: string): string {
  return `${LATE_PREFIX}${timeKey(stagedAt)}-${stageRowKey}`;
}

export interface LateBlock {
  readonly first: number;
  readonly count: number;
}

/** The late blocks staged between `from` and `until`: one range query, usually empty. */
export async function lateBlocksStagedBetween(client: TableClient, from: Date, until: Date): Promise<LateBlock[]> {
  const filter = odata`PartitionKey eq ${FEED_PARTITION} and RowKey ge ${LATE_PREFIX + timeKey(from)} and RowKey lt ${`${LATE_PREFIX}${timeKey(until)}.`}`;
  const blocks: LateBlock[] = [];
  const entities = client.listEntities<{ First: number; Count: number }>({
    queryOptions: { filter, select: ['First', 'Count'] },
  });
  for await (const entity of entities) blocks.push({ first: Number(entity.First), count: Number(entity.Count) });
  return blocks;
}
