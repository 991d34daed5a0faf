import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { getConfig, type StorageConfig } from '../config';
import type { StorageEndpoint } from '../telemetry/storageCallRecorder';
import { tableBodyPolicy } from '../telemetry/tableBodies';

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

interface Clients {
  readonly config: StorageConfig;
  readonly container: ContainerClient;
  /** By table name without the prefix. */
  readonly tables: Map<string, TableClient>;
  readonly queues: Map<string, QueueClient>;
  readonly credential: TokenCredential | undefined;
}

// Created once per worker and reused: SDK clients hold connection pools.
let clients: Clients | undefined;

export function blobContainer(): ContainerClient {
  return getClients().container;
}

export function table(key: TableKey): TableClient {
  return tableNamed(TABLES[key]);
}

/**
 * The client of any table of the service by its name without the prefix (the search indexes are
 * one table each, see shared/search/searchIndexes.ts). Clients are created once and reused.
 */
export function tableNamed(name: string): TableClient {
  const current = getClients();
  let client = current.tables.get(name);
  if (!client) {
    client = createTableClient(current, current.config.tablePrefix + name);
    current.tables.set(name, client);
  }
  return client;
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

/** The blob and table service endpoints the clients talk to, for the storage-call watcher. */
export function storageEndpoints(): StorageEndpoint[] {
  const current = getClients();
  // The container URL is the account's blob endpoint plus the container's name.
  const blob = current.container.url.replace(/\/[^/]+\/?$/, '');
  return [
    { service: 'blob', url: blob },
    { service: 'table', url: tableNamed(TABLES.instances).url },
  ];
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
      container: blobService.getContainerClient(config.blobContainer),
      tables: new Map(),
      queues: new Map(),
      credential: undefined,
    };
  }
  const credential = new DefaultAzureCredential();
  const blobService = new BlobServiceClient(config.blobServiceUrl ?? '', credential);
  return {
    config,
    container: blobService.getContainerClient(config.blobContainer),
    tables: new Map(),
    queues: new Map(),
    credential,
  };
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
