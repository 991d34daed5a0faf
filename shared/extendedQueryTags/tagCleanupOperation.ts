/**
 * DELETE's background part (internal operation `internal:tagIndexDelete`): removes a deleted
 * definition's index entries and value rows in every partition, then its errors, then the
 * definition itself. The API answered at once (the tag was marked `deleting`, so no query or
 * store uses it); entries carry the definition's generation, so a tag re-added meanwhile never
 * sees them. Each step deletes one page; deleting what is already gone changes nothing.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { OperationHandler, OperationState, OperationStepResult } from '../operations/operationTypes';
import { deleteBatchIgnoringMissing } from '../storage/entityDeletes';
import { inReindexPartition, reindexPartitions } from './reindexPartitions';
import { errorPartition } from './tagErrors';
import { definitionPrefix, tagIndexTable, tagValueTable } from './tagIndex';
import type { TagRef } from './tagModel';
import { globalTagTable, removeTag, TAG_TABLES } from './tagStore';

export const TAG_CLEANUP_OPERATION = 'internal:tagIndexDelete';

export interface TagCleanupCheckpoint {
  readonly tag: TagRef;
  readonly partitions?: readonly string[];
  readonly partitionIndex: number;
  /** 0: index entries, 1: value rows (per partition); then the errors and the definition. */
  readonly stage: 0 | 1;
  readonly deleted: number;
}

const PAGE = 1000;
const MAX_PER_TRANSACTION = 100;

export function newCleanupCheckpoint(tag: TagRef): TagCleanupCheckpoint {
  return { tag, partitionIndex: 0, stage: 0, deleted: 0 };
}

export const tagCleanupHandler: OperationHandler<TagCleanupCheckpoint> = {
  type: TAG_CLEANUP_OPERATION,
  step: cleanupStep,
};

async function cleanupStep(
  operation: OperationState<TagCleanupCheckpoint>,
): Promise<OperationStepResult<TagCleanupCheckpoint>> {
  const at = operation.checkpoint;
  const partitions = at.partitions ?? (await reindexPartitions());
  const partition = partitions[at.partitionIndex];
  if (partition === undefined) {
    await deleteAll(globalTagTable(TAG_TABLES.errors), odata`PartitionKey eq ${errorPartition(at.tag)}`, Infinity);
    await removeTag(at.tag.path, at.tag.generation);
    return { checkpoint: { ...at, partitions }, percentComplete: 100, done: true };
  }
  const prefix = definitionPrefix(at.tag);
  const range = odata`PartitionKey ge ${prefix} and PartitionKey lt ${`${prefix}\uffff`}`;
  const { deleted, exhausted } = await inReindexPartition(partition, () =>
    deleteAll(at.stage === 0 ? tagIndexTable() : tagValueTable(), range, PAGE),
  );
  const next: TagCleanupCheckpoint = {
    ...at,
    partitions,
    deleted: at.deleted + deleted,
    ...(exhausted ? (at.stage === 0 ? { stage: 1 } : { stage: 0, partitionIndex: at.partitionIndex + 1 }) : {}),
  };
  return { checkpoint: next, percentComplete: 0, done: false };
}

/** Deletes about `max` entities matching `filter` (whole pages); says whether none is left. */
async function deleteAll(
  client: TableClient,
  filter: string,
  max: number,
): Promise<{ deleted: number; exhausted: boolean }> {
  let found = 0;
  const pages = client
    .listEntities({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })
    .byPage({ maxPageSize: Math.min(PAGE, max) });
  for await (const page of pages) {
    const byPartition = new Map<string, { partitionKey: string; rowKey: string }[]>();
    for (const e of page) {
      const list = byPartition.get(e.partitionKey ?? '') ?? [];
      list.push({ partitionKey: e.partitionKey ?? '', rowKey: e.rowKey ?? '' });
      byPartition.set(e.partitionKey ?? '', list);
    }
    const batches: Promise<void>[] = [];
    for (const list of byPartition.values()) {
      for (let i = 0; i < list.length; i += MAX_PER_TRANSACTION) {
        batches.push(deleteBatchIgnoringMissing(client, list.slice(i, i + MAX_PER_TRANSACTION)));
      }
    }
    await Promise.all(batches);
    found += page.length;
    if (found >= max) return { deleted: found, exhausted: false };
  }
  return { deleted: found, exhausted: true };
}
