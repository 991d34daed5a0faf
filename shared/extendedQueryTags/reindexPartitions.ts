/**
 * The data partitions a reindex walks. Until data partitions exist there is one, the default
 * (`''`: the tables tableNamed() gives without a partition). The partitions feature plugs in here:
 * `reindexPartitions` lists every partition, `inReindexPartition` runs table access in one, so the
 * walk's checkpoint (partition index + position) covers them all.
 */
export const DEFAULT_REINDEX_PARTITION = '';

export function reindexPartitions(): Promise<string[]> {
  return Promise.resolve([DEFAULT_REINDEX_PARTITION]);
}

export async function inReindexPartition<T>(_partition: string, work: () => Promise<T>): Promise<T> {
  return work();
}
