import { DefaultAzureCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { getConfig, type StorageConfig } from '../config';

/** The tables the service uses; each name gets the configured prefix. */
export const TABLES = {
  /** One entity per instance (PartitionKey study UID), the commit state and searchable attributes. */
  instances: 'Instances',
  /** The change feed: a counter and the numbered entries, in one partition. */
  changeFeed: 'ChangeFeed',
} as const;
export type TableKey = keyof typeof TABLES;

interface Clients {
  readonly container: ContainerClient;
  readonly tables: ReadonlyMap<TableKey, TableClient>;
}

// Created once per worker and reused: SDK clients hold connection pools.
let clients: Clients | undefined;

export function blobContainer(): ContainerClient {
  return getClients().container;
}

export function table(key: TableKey): TableClient {
  const client = getClients().tables.get(key);
  if (!client) throw new Error(`No table client for ${key}`);
  return client;
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
  const tables = new Map<TableKey, TableClient>();
  if (config.connectionString) {
    const blobService = BlobServiceClient.fromConnectionString(config.connectionString);
    // Azurite's connection strings are http://; the table SDK refuses those unless told.
    const allowInsecureConnection = /UseDevelopmentStorage=true|DefaultEndpointsProtocol=http;/i.test(
      config.connectionString,
    );
    for (const [key, suffix] of Object.entries(TABLES) as [TableKey, string][]) {
      tables.set(
        key,
        TableClient.fromConnectionString(config.connectionString, config.tablePrefix + suffix, {
          allowInsecureConnection,
        }),
      );
    }
    return { container: blobService.getContainerClient(config.blobContainer), tables };
  }
  const credential = new DefaultAzureCredential();
  const blobService = new BlobServiceClient(config.blobServiceUrl ?? '', credential);
  for (const [key, suffix] of Object.entries(TABLES) as [TableKey, string][]) {
    tables.set(key, new TableClient(config.tableServiceUrl ?? '', config.tablePrefix + suffix, credential));
  }
  return { container: blobService.getContainerClient(config.blobContainer), tables };
}
