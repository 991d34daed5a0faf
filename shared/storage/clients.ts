import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { getConfig, type StorageConfig } from '../config';
import type { StorageEndpoint } from '../telemetry/storageCallRecorder';
import { tableBodyPolicy } from '../telemetry/tableBodies';
import { containerSuffix, tableTag } from '../partitions/partition';
import { currentPartition } from '../partitions/partitionContext';

/** The tables the service uses; each name gets the configured prefix. */
export const TABLES = {
  /** One entity per instance (PartitionKey study UID), the commit state and searchable attributes. */
  instances: 'Instances',
  /** The change feed: a counter and the numbered entries, in one partition. */
  changeFeed: 'ChangeFeed',
  /** Search summaries: per study (RowKey `~`) and per series (RowKey series UID), PartitionKey study UID. */
  studies: 'Studies',
  /** UPS-RS workitems: one entity per workitem (PartitionKey its UID), docs/workitems.md. */
  workitems: 'Workitems',
  /** Long-running operations and their active index, one global partition (docs/operations.md). */
  operations: 'Operations',
} as const;
export type TableKey = keyof typeof TABLES;

/** The registry of data partitions (shared/partitions/partitionRegistry.ts). */
export const PARTITIONS_TABLE = 'Partitions';

/**
 * Tables shared by every partition: the one change feed (its entries name their partition), the
 * partition registry, the operations and the extended query tags (Azure's are not partitioned). Every other table is per partition (docs/partitions.md).
 */
const GLOBAL_TABLES = new Set<string>([
  TABLES.changeFeed,
  TABLES.operations,
  PARTITIONS_TABLE,
  // Extended query tag definitions and reindex errors (shared/extendedQueryTags/tagStore.ts TAG_TABLES).
  'ExtendedQueryTags',
  'ExtendedQueryTagErrors',
]);

export function isGlobalTable(name: string): boolean {
  return GLOBAL_TABLES.has(name);
}

/** One partition's clients: its container and its tables, by table name without prefix or tag. */
interface PartitionClients {
  readonly container: ContainerClient;
  readonly tables: Map<string, TableClient>;
}

interface Clients {
  readonly config: StorageConfig;
  readonly blobService: BlobServiceClient;
  /** By partition key; the default partition (key 1) is the unpartitioned layout. */
  readonly partitions: Map<number, PartitionClients>;
  /** The global tables, by name without the prefix. */
  readonly globalTables: Map<string, TableClient>;
  readonly queues: Map<string, QueueClient>;
  readonly credential: TokenCredential | undefined;
}

// Created once per worker and reused: SDK clients hold connection pools.
let clients: Clients | undefined;

/** The blob container of the current partition (shared/partitions/partitionContext.ts). */
export function blobContainer(): ContainerClient {
  return partitionClients(currentPartition().key).container;
}

export function table(key: TableKey): TableClient {
  return tableNamed(TABLES[key]);
}

/**
 * The client of any table of the service by its name without the prefix (the search indexes are
 * one table each, see shared/search/searchIndexes.ts): the current partition's, or the one global
 * table of that name. Clients are created once and reused.
 */
export function tableNamed(name: string): TableClient {
  if (GLOBAL_TABLES.has(name)) return globalTableNamed(name);
  const key = currentPartition().key;
  const { tables } = partitionClients(key);
  let client = tables.get(name);
  if (!client) {
    const current = getClients();
    client = createTableClient(current, current.config.tablePrefix + tableTag(key) + name);
    tables.set(name, client);
  }
  return client;
}

/**
 * A table shared by all partitions whatever the current one (the change feed, the partition
 * registry; operations and other service-wide state), by its name without the prefix.
 */
export function globalTableNamed(name: string): TableClient {
  const current = getClients();
  let client = current.globalTables.get(name);
  if (!client) {
    client = createTableClient(current, current.config.tablePrefix + name);
    current.globalTables.set(name, client);
  }
  return client;
}

function partitionClients(key: number): PartitionClients {
  const current = getClients();
  let found = current.partitions.get(key);
  if (!found) {
    const container = current.blobService.getContainerClient(current.config.blobContainer + containerSuffix(key));
    found = { container, tables: new Map() };
    current.partitions.set(key, found);
  }
  return found;
}

/**
 * A container of the service's storage account by its full name, outside the partition layout
 * (the bulk import containers, docs/import.md).
 */
export function accountContainer(name: string): ContainerClient {
  return getClients().blobService.getContainerClient(name);
}

/** The client of one of the service's queues by its full name (queues take no prefix). Created once. */
export function queueNamed(name: string): QueueClient {
  const current = getClients();
  let client = current.queues.get(name);
  if (!client) {
    client = createQueueService(current).getQueueClient(name);
    current.queues.set(name, client);
  }
  return client;
}

/**
 * The blob, table and queue service endpoints the clients talk to, and the Event Grid topic the
 * events publisher posts to when one is set, for the storage-call watcher.
 */
export function storageEndpoints(): StorageEndpoint[] {
  const current = getClients();
  // The account's blob endpoint, whatever the container.
  const blob = current.blobService.url.replace(/\/+$/, '');
  const endpoints: StorageEndpoint[] = [
    { service: 'blob', url: blob },
    { service: 'table', url: globalTableNamed(TABLES.changeFeed).url },
    { service: 'queue', url: createQueueService(current).url.replace(/\/+$/, '') },
  ];
  const topic = getConfig().events.topicEndpoint;
  if (topic !== undefined) endpoints.push({ service: 'eventgrid', url: topic });
  return endpoints;
}

/** For tests that point the process at another storage account. */
export function resetClients(): void {
  clients = undefined;
}

function getClients(): Clients {
  clients ??= createClients(getConfig().storage);
  return clients;
}

function createClients(config: StorageConfig): Clients {
  if (config.connectionString) {
    const blobService = BlobServiceClient.fromConnectionString(config.connectionString);
    return {
      config,
      blobService,
      partitions: new Map(),
      globalTables: new Map(),
      queues: new Map(),
      credential: undefined,
    };
  }
  const credential = new DefaultAzureCredential();
  const blobService = new BlobServiceClient(config.blobServiceUrl ?? '', credential);
  return { config, blobService, partitions: new Map(), globalTables: new Map(), queues: new Map(), credential };
}

function createTableClient(current: Clients, fullName: string): TableClient {
  const { connectionString, tableServiceUrl } = current.config;
  if (connectionString) {
    // Azurite's connection strings are http://; the table SDK refuses those unless told.
    const allowInsecureConnection = /UseDevelopmentStorage=true|DefaultEndpointsProtocol=http;/i.test(connectionString);
    return TableClient.fromConnectionString(connectionString, fullName, {
      allowInsecureConnection,
      additionalPolicies: [tableBodyPolicy],
    });
  }
  return new TableClient(tableServiceUrl ?? '', fullName, current.credential ?? new DefaultAzureCredential(), {
    additionalPolicies: [tableBodyPolicy],
  });
}

function createQueueService(current: Clients): QueueServiceClient {
  const { connectionString, queueServiceUrl } = current.config;
  if (connectionString) return QueueServiceClient.fromConnectionString(connectionString);
  return new QueueServiceClient(queueServiceUrl ?? '', current.credential ?? new DefaultAzureCredential());
}
