/**
 * The SOP Instance UID index: the one search index written per instance (PartitionKey the SOP
 * Instance UID, RowKey `{study}|{series}`), so `/instances?SOPInstanceUID=` finds an instance
 * without knowing its study. Written before the instance becomes visible; removed after its
 * entity, and only while it still names the removed version (a re-store may have replaced it).
 */
import type { InstanceKey } from '../storage/blobLayout';
import { tableNamed } from '../storage/clients';
import { deleteIfUnchanged } from '../storage/conditionalDelete';
import { getEntityIfExists } from '../storage/entityReads';
import { seriesRowKey, shardedKey } from './indexEntries';
import { escapeTableKey } from './normalize';
import { requireIndex } from './searchIndexes';
import { Tag } from '../dicom/tags';

const SOP_INDEX_TABLE = requireIndex(Tag.SOPInstanceUID, 'exact').table;

function sopPartitionKey(key: InstanceKey): string {
  return shardedKey(escapeTableKey(key.sopInstanceUid), seriesRowKey(key.studyInstanceUid, key.seriesInstanceUid));
}

export async function indexInstance(key: InstanceKey, version: string): Promise<void> {
  await tableNamed(SOP_INDEX_TABLE).upsertEntity(
    {
      partitionKey: sopPartitionKey(key),
      rowKey: seriesRowKey(key.studyInstanceUid, key.seriesInstanceUid),
      Version: version,
    },
    'Replace',
  );
}

export async function unindexInstance(key: InstanceKey, version: string): Promise<void> {
  const client = tableNamed(SOP_INDEX_TABLE);
  const partitionKey = sopPartitionKey(key);
  const rowKey = seriesRowKey(key.studyInstanceUid, key.seriesInstanceUid);
  const entry = await getEntityIfExists<{ Version?: string }>(client, partitionKey, rowKey);
  if (entry?.Version === version && entry.etag) await deleteIfUnchanged(client, partitionKey, rowKey, entry.etag);
}
