/**
 * The data partitions a reindex or a tag clean-up walks: the default one alone with partitions
 * off, else every registered one (docs/partitions.md). The walk's checkpoint holds the list and
 * an index into it, so a partition created meanwhile is covered by STOW's own indexing instead.
 */
import { DEFAULT_PARTITION } from '../partitions/partition';
import { runInPartition } from '../partitions/partitionContext';
import { findPartition } from '../partitions/partitionRegistry';
import { partitionsToVisit } from '../partitions/everyPartition';

export const DEFAULT_REINDEX_PARTITION = DEFAULT_PARTITION.name;

export async function reindexPartitions(): Promise<string[]> {
  return (await partitionsToVisit()).map((partition) => partition.name);
}

/** Runs `work` with every table and blob client in the named partition (`''`: an early checkpoint's default). */
export async function inReindexPartition<T>(name: string, work: () => Promise<T>): Promise<T> {
  const partition = await findPartition(name === '' ? DEFAULT_PARTITION.name : name);
  // Partitions are never deleted: a missing one is a broken registry, not a reason to skip data.
  if (!partition) throw new Error(`The data partition '${name}' of a reindex does not exist.`);
  return runInPartition(partition, work);
}
