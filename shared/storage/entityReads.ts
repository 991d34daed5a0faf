import type { GetTableEntityOptions, TableClient, TableEntityResult } from '@azure/data-tables';
import { isStorageStatus } from './storageErrors';

/** A point read that answers undefined for a missing entity (404) instead of throwing. */
export async function getEntityIfExists<T extends object>(
  client: TableClient,
  partitionKey: string,
  rowKey: string,
  options?: GetTableEntityOptions,
): Promise<TableEntityResult<T> | undefined> {
  try {
    return await client.getEntity<T>(partitionKey, rowKey, options);
  } catch (error) {
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
}
