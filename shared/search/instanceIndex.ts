/**
 * The SOP Instance UID index: the one search index written per instance (PartitionKey the SOP
 * Instance UID, RowKey `{study}|{series}`), so `/instances?SOPInstanceUID=` finds an instance
 * without knowing its study. Written before the instance becomes visible; removed after its
 * entity, and only while it still names the removed version (a re-store may have replaced it).
 */
import type { InstanceKey } from '../storage/blobLayout';
import { tableNamed } from '../storage/clients';
import { isStorageStatus } from '../storage/storageErrors';
import { seriesRowKey, shardedKey } from './indexEntries';
import { escapeTableKey } from './normalize';
import { indexFor } from './searchIndexes';
import { Tag } from '../dicom/tags';

function sopIndexTable(): string {
  const index = indexFor(Tag.SOPInstanceUID, 'exact');
  if (!index) throw new Error('The SOP Instance UID index is not defined');
  return index.table;
}

function sopPartitionKey(key: InstanceKey): string {
  return shardedKey(escapeTableKey(key.sopInstanceUid), seriesRowKey(key.studyInstanceUid, key.seriesInstanceUid));
}

export async function indexInstance(key: InstanceKey, version: string): Promise<void> {
  await tableNamed(sopIndexTable()).upsertEntity(
    {
      partitionKey: sopPartitionKey(key),
      rowKey: seriesRowKey(key.studyInstanceUid, key.seriesInstanceUid),
      Version: version,
    },
    'Replace',
  );
}

export async function unindexInstance(key: InstanceKey, version: string): Promise<void> {
  const client = tableNamed(sopIndexTable());
  const partitionKey = sopPartitionKey(key);
  const rowKey = seriesRowKey(key.studyInstanceUid, key.seriesInstanceUid);
  try {
    const entry = await client.getEntity<{ Version?: string }>(partitionKey, rowKey);
    if (entry.Version !== version || !entry.etag) return;
    await client.deleteEntity(partitionKey, rowKey, { etag: entry.etag });
  } catch (error) {
    if (!isStorageStatus(error, 404, 412)) throw error;
  }
}
