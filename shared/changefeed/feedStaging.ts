/**
 * Stage rows: the events of a commit that lost the race for the counter, written durably outside
 * the `feed` partition to be numbered by the next sequencing round (shared/changefeed/feedSequencer.ts,
 * docs/delete-and-changefeed.md "Many writers"). Writing one is the commit point of its events, as
 * the direct counter-and-block transaction is for an uncontended commit.
 *
 * They spread over STAGE_SHARDS partitions (one chosen per worker), so no stage partition takes
 * more than its share of the writes; one query lists them all.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { odata, type TableClient } from '@azure/data-tables';
import { deleteBatchIgnoringMissing } from '../storage/entityDeletes';
import { decodeEvents, encodeEvents, type ChangeFeedEvent } from './changeFeedEntry';

const STAGE_PREFIX = 'stage-';
/** PartitionKeys `stage-00` … `stage-0f`: sorted between these bounds. */
const STAGE_RANGE_END = 'stage.';
export const STAGE_SHARDS = 16;

export interface StageRef {
  readonly partitionKey: string;
  readonly rowKey: string;
}

export interface StagedCommit extends StageRef {
  readonly events: ChangeFeedEvent[];
  /** When it was staged, by the staging worker's clock. */
  readonly stagedAt: Date;
}

interface StageEntity {
  Events: string;
  StagedAt: Date | string;
}

// Rounds delete what they numbered in batches of one partition each; 100 is the batch limit.
const MAX_BATCH = 100;

/** This worker's stage partition. */
const shard = `${STAGE_PREFIX}${randomInt(STAGE_SHARDS).toString(16).padStart(2, '0')}`;

export function sameStage(a: StageRef, b: StageRef): boolean {
  return a.partitionKey === b.partitionKey && a.rowKey === b.rowKey;
}

/** Writes the events as one stage row: once this resolves, they are committed. */
export async function stageEvents(client: TableClient, events: readonly ChangeFeedEvent[]): Promise<StagedCommit> {
  const stagedAt = new Date();
  // Time first, so a listing sorted by RowKey within a shard is roughly staging order.
  const rowKey = `${stagedAt.getTime().toString().padStart(15, '0')}-${randomBytes(6).toString('hex')}`;
  await client.createEntity({ partitionKey: shard, rowKey, Events: encodeEvents(events), StagedAt: stagedAt });
  return { partitionKey: shard, rowKey, events: [...events], stagedAt };
}

/** Every stage row of every shard, oldest staging first: one query. */
export async function listStaged(client: TableClient): Promise<StagedCommit[]> {
  const filter = odata`PartitionKey ge ${STAGE_PREFIX} and PartitionKey lt ${STAGE_RANGE_END}`;
  const staged: StagedCommit[] = [];
  const entities = client.listEntities<StageEntity>({
    queryOptions: { filter, select: ['PartitionKey', 'RowKey', 'Events', 'StagedAt'] },
  });
  for await (const entity of entities) {
    staged.push({
      partitionKey: entity.partitionKey as string,
      rowKey: entity.rowKey as string,
      events: decodeEvents(entity.Events),
      stagedAt: entity.StagedAt instanceof Date ? entity.StagedAt : new Date(entity.StagedAt),
    });
  }
  return staged.sort((a, b) => a.stagedAt.getTime() - b.stagedAt.getTime() || a.rowKey.localeCompare(b.rowKey));
}

/** Deletes stage rows that were numbered; rows already gone are fine (another round deleted them). */
export async function deleteStaged(client: TableClient, refs: readonly StageRef[]): Promise<void> {
  const byPartition = new Map<string, StageRef[]>();
  for (const ref of refs) byPartition.set(ref.partitionKey, [...(byPartition.get(ref.partitionKey) ?? []), ref]);
  await Promise.all(
    [...byPartition.values()].flatMap((rows) =>
      chunks(rows, MAX_BATCH).map((chunk) => deleteBatchIgnoringMissing(client, chunk)),
    ),
  );
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}
