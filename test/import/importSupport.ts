/** Helpers of the bulk import tests: the containers as a client sees them, and one timer run. */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueClient } from '@azure/storage-queue';
import { mapConcurrently } from '../../shared/changefeed/mapConcurrently';
import { invokeTimer } from '../../host/functionsHost/timerRunner';
import type { FunctionsHost } from '../../host/functionsHost/functionsHost';

export const IMPORT_CONTAINER = 'dicom-import';
export const ERROR_CONTAINER = 'dicom-import-errors';
export const ERROR_QUEUE = 'dicom-import-errors';

export function importContainers(connectionString: string): { imports: ContainerClient; errors: ContainerClient } {
  const service = BlobServiceClient.fromConnectionString(connectionString);
  return { imports: service.getContainerClient(IMPORT_CONTAINER), errors: service.getContainerClient(ERROR_CONTAINER) };
}

/** Writes files to the import container as AzCopy or Storage Explorer would (block blobs). */
export async function dropFiles(imports: ContainerClient, files: ReadonlyMap<string, Buffer>): Promise<void> {
  await imports.createIfNotExists();
  await mapConcurrently([...files], 16, ([name, bytes]) => imports.getBlockBlobClient(name).uploadData(bytes));
}

export async function blobNames(container: ContainerClient): Promise<string[]> {
  const names: string[] = [];
  if (!(await container.exists())) return names;
  for await (const page of container.listBlobsFlat().byPage({ maxPageSize: 5000 })) {
    names.push(...page.segment.blobItems.map((b) => b.name));
  }
  return names.sort();
}

/** Every message on the error queue, parsed. */
export async function errorMessages(connectionString: string): Promise<Record<string, unknown>[]> {
  const queue = new QueueClient(connectionString, ERROR_QUEUE);
  const found: Record<string, unknown>[] = [];
  for (;;) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return found;
    for (const item of receivedMessageItems) {
      found.push(JSON.parse(item.messageText) as Record<string, unknown>);
      await queue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

/** Runs the import timer through the worker until the import container is empty; returns the runs. */
export async function importUntilEmpty(host: FunctionsHost, imports: ContainerClient, maxRuns = 20): Promise<number> {
  const timer = host.index.timers.find((t) => t.name === 'importFiles');
  if (!timer) throw new Error('the app has no importFiles timer');
  for (let run = 1; run <= maxRuns; run += 1) {
    await invokeTimer(host.worker, timer);
    if ((await blobNames(imports)).length === 0) return run;
  }
  throw new Error(`the import container is not empty after ${maxRuns} runs: ${(await blobNames(imports)).join(', ')}`);
}
