import type { TableClient } from '@azure/data-tables';
import { isStorageStatus } from './storageErrors';

/** Deletes an entity whatever its ETag; a no-op when it is gone already (404). */
export async function deleteIfExists(client: TableClient, partitionKey: string, rowKey: string): Promise<void> {
  try {
    await client.deleteEntity(partitionKey, rowKey);
  } catch (error) {
    if (!isStorageStatus(error, 404)) throw error;
  }
}

/**
 * Deletes an entity only while its ETag is still `etag`; a no-op when it is gone (404) or was
 * changed by someone else (412), whose write then wins. A single request: a transaction's delete
 * cannot carry an ETag. True when this call deleted it.
 */
export async function deleteIfUnchanged(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
  etag: string,
): Promise<boolean> {
  try {
    await client.deleteEntity(partitionKey, rowKey, { etag });
    return true;
  } catch (error) {
    if (!isStorageStatus(error, 404, 412)) throw error;
    return false;
  }
}
