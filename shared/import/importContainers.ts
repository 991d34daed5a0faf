import type { ContainerClient } from '@azure/storage-blob';
import type { QueueClient } from '@azure/storage-queue';
import { getConfig } from '../config';
import { accountContainer, queueNamed } from '../storage/clients';

export interface ImportStorage {
  readonly imports: ContainerClient;
  readonly errors: ContainerClient;
  readonly errorQueue: QueueClient;
}

let ready: Promise<ImportStorage> | undefined;

/**
 * The import container, the error container and the error queue, in the server's own account,
 * created once per process if missing (so that AzCopy and Storage Explorer find the container).
 */
export function importStorage(): Promise<ImportStorage> {
  ready ??= create().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return ready;
}

async function create(): Promise<ImportStorage> {
  const config = getConfig().import;
  const storage: ImportStorage = {
    imports: accountContainer(config.container),
    errors: accountContainer(config.errorContainer),
    errorQueue: queueNamed(config.errorQueue),
  };
  await Promise.all([
    storage.imports.createIfNotExists(),
    storage.errors.createIfNotExists(),
    storage.errorQueue.createIfNotExists(),
  ]);
  return storage;
}
