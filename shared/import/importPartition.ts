import { getConfig } from '../config';
import { DEFAULT_PARTITION, isValidPartitionName, type Partition } from '../partitions/partition';
import { ensurePartition } from '../partitions/partitionRegistry';

/** With data partitions on, `partitions/{name}/…` in the import container names the file's partition. */
export const PARTITION_PREFIX = 'partitions/';

/** What files sharing a partition have in common: the name their prefix gives, or '' (the default partition). */
export function partitionGroup(blobName: string): string {
  if (!getConfig().storage.dataPartitions || !blobName.startsWith(PARTITION_PREFIX)) return '';
  const rest = blobName.slice(PARTITION_PREFIX.length);
  return rest.slice(0, Math.max(0, rest.indexOf('/')));
}

/** The partition a file imports into, or why it cannot be imported (docs/import.md). */
export type ImportTarget = { readonly partition: Partition } | { readonly invalid: string };

/**
 * The partition of an import blob: with partitions off, always the default one (a `partitions/`
 * prefix is then just part of the name); with them on, the `partitions/{name}/` prefix's, created
 * if it is new (as STOW creates it), else the default partition.
 */
export async function importTarget(blobName: string): Promise<ImportTarget> {
  if (!getConfig().storage.dataPartitions || !blobName.startsWith(PARTITION_PREFIX)) {
    return { partition: DEFAULT_PARTITION };
  }
  const rest = blobName.slice(PARTITION_PREFIX.length);
  const slash = rest.indexOf('/');
  const name = slash < 0 ? '' : rest.slice(0, slash);
  if (slash < 0 || !isValidPartitionName(name)) {
    return { invalid: `"${name}" is not a valid partition name (partitions/{name}/{file}, docs/import.md).` };
  }
  return { partition: await ensurePartition(name) };
}
