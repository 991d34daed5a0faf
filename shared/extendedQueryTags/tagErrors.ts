/**
 * Reindex errors of a tag: the global `ExtendedQueryTagErrors` table, PartitionKey
 * `{path}{generation}`, RowKey `{partition}|{study}|{series}|{sop}` (one row per instance and
 * tag, upserted, so a re-run step records an error once).
 */
import { odata, type TransactionAction } from '@azure/data-tables';
import type { InstanceKey } from '../storage/blobLayout';
import { DEFAULT_REINDEX_PARTITION } from './reindexPartitions';
import type { ExtendedQueryTag, TagRef } from './tagModel';
import { globalTagTable, TAG_TABLES } from './tagStore';

/** What Azure names the partition of data stored without partitions. */
const DEFAULT_PARTITION_NAME = 'Microsoft.Default';
const MAX_PER_TRANSACTION = 100;

export interface TagErrorEntry {
  readonly partitionName: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly createdTime: string;
  readonly errorMessage: string;
}

type ErrorEntity = {
  partitionKey: string;
  rowKey: string;
  PartitionName: string;
  StudyInstanceUID: string;
  SeriesInstanceUID: string;
  SOPInstanceUID: string;
  CreatedTime: Date;
  ErrorMessage: string;
};

function errors() {
  return globalTagTable(TAG_TABLES.errors);
}

export function errorPartition(tag: TagRef): string {
  return `${tag.path}${tag.generation}`;
}

export async function writeTagErrors(
  found: readonly { readonly tag: ExtendedQueryTag; readonly key: InstanceKey; readonly message: string }[],
  partition: string,
): Promise<void> {
  const byTag = new Map<string, ErrorEntity[]>();
  const now = new Date();
  for (const { tag, key, message } of found) {
    const entity: ErrorEntity = {
      partitionKey: errorPartition(tag),
      rowKey: `${partition}|${key.studyInstanceUid}|${key.seriesInstanceUid}|${key.sopInstanceUid}`,
      PartitionName: partition === DEFAULT_REINDEX_PARTITION ? DEFAULT_PARTITION_NAME : partition,
      StudyInstanceUID: key.studyInstanceUid,
      SeriesInstanceUID: key.seriesInstanceUid,
      SOPInstanceUID: key.sopInstanceUid,
      CreatedTime: now,
      ErrorMessage: message,
    };
    const list = byTag.get(entity.partitionKey) ?? [];
    if (!list.some((e) => e.rowKey === entity.rowKey)) list.push(entity);
    byTag.set(entity.partitionKey, list);
  }
  const writes: Promise<unknown>[] = [];
  for (const list of byTag.values()) {
    for (let i = 0; i < list.length; i += MAX_PER_TRANSACTION) {
      const actions: TransactionAction[] = list.slice(i, i + MAX_PER_TRANSACTION).map((e) => ['upsert', e, 'Replace']);
      writes.push(errors().submitTransaction(actions));
    }
  }
  await Promise.all(writes);
}

/** A page of a tag's errors, in key order. */
export async function listTagErrors(tag: TagRef, offset: number, limit: number): Promise<TagErrorEntry[]> {
  const rows = errors()
    .listEntities<ErrorEntity>({ queryOptions: { filter: odata`PartitionKey eq ${errorPartition(tag)}` } })
    .byPage({ maxPageSize: Math.min(1000, offset + limit) });
  const found: TagErrorEntry[] = [];
  let skipped = 0;
  for await (const page of rows) {
    for (const row of page) {
      if (skipped < offset) {
        skipped++;
        continue;
      }
      found.push({
        partitionName: row.PartitionName,
        studyInstanceUid: row.StudyInstanceUID,
        seriesInstanceUid: row.SeriesInstanceUID,
        sopInstanceUid: row.SOPInstanceUID,
        createdTime: new Date(row.CreatedTime).toISOString(),
        errorMessage: row.ErrorMessage,
      });
      if (found.length >= limit) return found;
    }
  }
  return found;
}
