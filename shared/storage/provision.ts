import { getConfig } from '../config';
import { ServiceUnavailableError } from '../errors';
import { DEFAULT_PARTITION } from '../partitions/partition';
import { runInPartition } from '../partitions/partitionContext';
import { namedPartitionsExist, provisionRegistry } from '../partitions/partitionRegistry';
import { TAG_INDEX_TABLES } from '../extendedQueryTags/tagIndex';
import { TAG_TABLES } from '../extendedQueryTags/tagStore';
import { ensureOperationQueues } from '../operations/operationQueue';
import { SEARCH_INDEXES } from '../search/searchIndexes';
import { WORKITEM_INDEXES } from '../workitems/workitemAttributes';
import { blobContainer, globalTableNamed, isGlobalTable, tableNamed, TABLES } from './clients';

let provisioned: Promise<void> | undefined;

/**
 * Creates the blob container, the tables (the service's own and one per search index) and the
 * operations queues if they are missing. Called once per worker before the first storage access (and by the local host at
 * start-up); later calls share the same promise. This is the default partition's storage (the
 * unpartitioned layout); a named partition's is created when it is first used
 * (shared/partitions/partitionRegistry.ts).
 */
export function ensureStorage(): Promise<void> {
  provisioned ??= provision().catch((error: unknown) => {
    provisioned = undefined; // let the next request try again
    throw error;
  });
  return provisioned;
}

/** Every table name the service uses, without the prefix. */
export function allTableNames(): string[] {
  return [
    ...Object.values(TABLES),
    ...SEARCH_INDEXES.map((i) => i.table),
    ...WORKITEM_INDEXES.map((i) => i.table),
    ...Object.values(TAG_TABLES),
    ...Object.values(TAG_INDEX_TABLES),
  ];
}

async function provision(): Promise<void> {
  // Whatever partition the first request is in, this is the default partition's storage.
  await runInPartition(DEFAULT_PARTITION, async () => {
    await Promise.all([
      provisionPartitionStorage(),
      ...allTableNames()
        .filter(isGlobalTable)
        .map((name) => createTable(name)),
      ensureOperationQueues(),
    ]);
    if (getConfig().storage.dataPartitions) await provisionRegistry();
    else if (await namedPartitionsExist()) {
      // Azure refuses to start (DataPartitionsFeatureCannotBeDisabledException); a Functions app
      // cannot, so every request that needs storage fails until the setting is turned back on.
      throw new ServiceUnavailableError(
        'Data partitions feature cannot be disabled while having data partitions other than the default partition.',
      );
    }
  });
}

/** Creates the current partition's container and tables (idempotent). */
export async function provisionPartitionStorage(): Promise<void> {
  const tables = allTableNames().filter((name) => !isGlobalTable(name));
  await Promise.all([blobContainer().createIfNotExists(), ...tables.map((name) => createTable(name))]);
}

async function createTable(name: string): Promise<void> {
  const client = isGlobalTable(name) ? globalTableNamed(name) : tableNamed(name);
  try {
    await client.createTable();
  } catch (error) {
    // createTable already tolerates 409 TableAlreadyExists; anything else is real.
    throw new Error(`Could not create table ${client.tableName}`, { cause: error });
  }
}
