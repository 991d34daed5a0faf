import { getConfig } from '../config';
import { isStorageStatus } from '../storage/storageErrors';
import { DEFAULT_PARTITION, type Partition } from './partition';
import { runInPartition } from './partitionContext';
import { findPartition, listPartitions } from './partitionRegistry';

/**
 * The partitions background work visits (start-up recovery, the sweeper, search rebuilds): the
 * default one alone with partitions off, else every registered one, each ready for use.
 */
export async function partitionsToVisit(): Promise<Partition[]> {
  if (!getConfig().storage.dataPartitions) return [DEFAULT_PARTITION];
  let names: string[];
  try {
    names = (await listPartitions()).map((p) => p.name);
  } catch (error) {
    if (isStorageStatus(error, 404)) return [DEFAULT_PARTITION]; // no registry yet
    throw error;
  }
  const partitions: Partition[] = [DEFAULT_PARTITION];
  for (const name of names) {
    if (name === DEFAULT_PARTITION.name) continue;
    const partition = await findPartition(name);
    if (partition) partitions.push(partition);
  }
  return partitions;
}

/** Runs `work` inside each partition in turn; one partition's failure does not stop the others. */
export async function forEveryPartition<T>(
  work: (partition: Partition) => Promise<T>,
  onError: (partition: Partition, error: unknown) => void,
): Promise<T[]> {
  const results: T[] = [];
  for (const partition of await partitionsToVisit()) {
    try {
      results.push(await runInPartition(partition, () => work(partition)));
    } catch (error) {
      onError(partition, error);
    }
  }
  return results;
}

/** ` in {name}` for a named partition, nothing for the default one: logs read as before partitions. */
export function partitionLabel(partition: Partition): string {
  return partition.key === DEFAULT_PARTITION.key ? '' : ` in ${partition.name}`;
}
