import type { InstanceKey } from '../storage/blobLayout';
import { batched, instanceRowKey, pendingPartition, pendingRowKey } from '../storage/instanceRecords';
import { isStorageStatus } from '../storage/storageErrors';

/**
 * The marker that lets the sweeper finish this delete if the process dies. Upserted: its key is
 * the store marker's (one per version), and a stray store marker or a concurrent delete of the
 * same version may have written it already; either way it means "look at this version".
 */
export async function writeDeleteMarker(key: InstanceKey, version: string): Promise<void> {
  await batched().submit([
    'upsert',
    {
      partitionKey: pendingPartition(key.studyInstanceUid),
      rowKey: pendingRowKey(key, version),
      Version: version,
      Purpose: 'delete',
      ...key,
    },
    'Replace',
  ]);
}

/**
 * `created` → `deleting`, conditional on the ETag the instance was listed with, so a concurrent
 * delete or anything else that changed it wins and we leave it alone. Returns the new ETag, or
 * undefined when the condition failed (the instance changed or is gone).
 */
export async function hideInstance(key: InstanceKey, etag: string, leaseUntil: Date): Promise<string | undefined> {
  try {
    const newEtag = await batched().submit([
      'update',
      { partitionKey: key.studyInstanceUid, rowKey: instanceRowKey(key), State: 'deleting', LeaseUntil: leaseUntil },
      'Merge',
      { etag },
    ]);
    if (!newEtag) throw new Error('The table service answered without an ETag.');
    return newEtag;
  } catch (error) {
    if (isStorageStatus(error, 412, 404)) return undefined;
    throw error;
  }
}
