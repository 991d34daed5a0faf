import type { TableClient, TransactionAction } from '@azure/data-tables';
import { isStorageStatus } from './storageErrors';

/**
 * Deletes entities of one partition (at most 100: one batch) that someone else may have deleted
 * already: a missing one fails the whole batch with 404, so the rest are then deleted one by one,
 * ignoring the missing.
 */
export async function deleteBatchIgnoringMissing(
  client: TableClient,
  keys: readonly { partitionKey: string; rowKey: string }[],
): Promise<void> {
  const actions: TransactionAction[] = keys.map((k) => ['delete', { partitionKey: k.partitionKey, rowKey: k.rowKey }]);
  try {
    await client.submitTransaction(actions);
  } catch (error) {
    if (!isStorageStatus(error, 404)) throw error;
    await Promise.all(
      keys.map((k) =>
        client.deleteEntity(k.partitionKey, k.rowKey).catch((e: unknown) => {
          if (!isStorageStatus(e, 404)) throw e;
        }),
      ),
    );
  }
}
