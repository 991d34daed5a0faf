/** A data partition (docs/partitions.md): a name clients use, and the small key its storage is named by. */
export interface Partition {
  readonly key: number;
  readonly name: string;
}

/** Where everything stored before partitions were enabled lives: today's tables and container. */
export const DEFAULT_PARTITION: Partition = { key: 1, name: 'Microsoft.Default' };

/** Azure's rule (PartitionNameValidator): letters, digits, `_`, `.`, `-`; 1 to 64 characters. */
const PARTITION_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function isValidPartitionName(name: string): boolean {
  return PARTITION_NAME.test(name);
}

/**
 * The part a partition adds to its table names (after the configured prefix, before the table's
 * own name) and the suffix of its blob container: none for the default partition, whose storage is
 * the unpartitioned layout, so data stored before partitions were enabled needs no migration.
 */
export function tableTag(key: number): string {
  return key === DEFAULT_PARTITION.key ? '' : `P${key}`;
}

export function containerSuffix(key: number): string {
  return key === DEFAULT_PARTITION.key ? '' : `-p${key}`;
}
