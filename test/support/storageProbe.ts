/** Reads the storage account directly, to check what a request left behind. */
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { getConfig } from '../../shared/config';
import { containerSuffix, DEFAULT_PARTITION, tableTag } from '../../shared/partitions/partition';
import { testPartition } from './partitionedRun';

/** The service's own tables (the search indexes among them), by name without the prefix. */
export type ProbedTable = 'Instances' | 'ChangeFeed' | 'Studies' | 'Workitems' | `Ix${string}` | `Wi${string}`;

export interface StorageProbe {
  readonly container: ContainerClient;
  table(suffix: ProbedTable): TableClient;
  blobNames(prefix?: string): Promise<string[]>;
  downloadBlob(name: string): Promise<Buffer>;
  entities(
    suffix: ProbedTable,
    filter?: string,
  ): Promise<(Record<string, unknown> & { partitionKey: string; rowKey: string })[]>;
}

export function storageProbe(connectionString: string): StorageProbe {
  const { blobContainer, tablePrefix } = getConfig().storage;
  // Under npm run test:partitioned, the partition's storage (./partitionedRun.ts).
  const key = testPartition()?.key ?? DEFAULT_PARTITION.key;
  const container = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(
    blobContainer + containerSuffix(key),
  );
  const table = (suffix: string) =>
    TableClient.fromConnectionString(
      connectionString,
      tablePrefix + (suffix === 'ChangeFeed' ? '' : tableTag(key)) + suffix,
      { allowInsecureConnection: true },
    );
  return {
    container,
    table,
    async blobNames(prefix) {
      const names: string[] = [];
      for await (const blob of container.listBlobsFlat(prefix ? { prefix } : {})) names.push(blob.name);
      return names;
    },
    async downloadBlob(name) {
      return container.getBlockBlobClient(name).downloadToBuffer();
    },
    async entities(suffix, filter) {
      const rows: (Record<string, unknown> & { partitionKey: string; rowKey: string })[] = [];
      const query = filter ? { queryOptions: { filter } } : {};
      for await (const entity of table(suffix).listEntities<Record<string, unknown>>(query)) {
        rows.push(entity as Record<string, unknown> & { partitionKey: string; rowKey: string });
      }
      return rows;
    },
  };
}
