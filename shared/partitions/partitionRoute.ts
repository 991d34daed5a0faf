import { getConfig } from '../config';
import { BadRequestError } from '../errors';
import { ensureStorage } from '../storage/provision';
import { currentPartition } from './partitionContext';
import { DEFAULT_PARTITION, isValidPartitionName, type Partition } from './partition';
import { ensurePartition, findPartition } from './partitionRegistry';

/** The route parameter of `/v{n}/partitions/{partitionName}/...`. */
export const PARTITION_PARAM = 'partitionName';

/**
 * The partition a request to a partitionable route works in, enforced as Azure does
 * (PopulateDataPartitionFilterAttribute): with the feature off only the plain route is served;
 * with it on only the partition route; a partition must exist unless the route may create it
 * (STOW and workitem creation).
 */
export async function resolveRoutePartition(named: string | undefined, mayCreate: boolean): Promise<Partition> {
  if (!getConfig().storage.dataPartitions) {
    if (named !== undefined)
      throw new BadRequestError('Data partitions feature is disabled.', 'DataPartitionsFeatureDisabled');
    return DEFAULT_PARTITION;
  }
  if (named === undefined) {
    throw new BadRequestError('PartitionName value is missing in the route segment.', 'DataPartitionsMissingPartition');
  }
  if (!isValidPartitionName(named)) {
    throw new BadRequestError('The specified PartitionName is invalid. ', 'InvalidPartitionName');
  }
  await ensureStorage();
  const partition = mayCreate ? await ensurePartition(named) : await findPartition(named);
  if (!partition) throw new BadRequestError('Specified PartitionName does not exist.', 'DataPartitionsNotFound');
  return partition;
}

/**
 * `v2`, or `v2/partitions/{name}` when partitions are enabled: what URLs the service writes into
 * responses (STOW RetrieveURLs, workitem locations) start with after the base URL.
 */
export function versionPath(apiVersion: string): string {
  if (!getConfig().storage.dataPartitions) return apiVersion;
  return `${apiVersion}/partitions/${currentPartition().name}`;
}
