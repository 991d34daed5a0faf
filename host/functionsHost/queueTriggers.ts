import type { QueueServiceClient } from '@azure/storage-queue';
import type { NodeWorker, WorkerLogger } from '../worker/nodeWorker';
import type { IndexedTriggerFunction } from './functionIndex';
import { isValidQueueName } from './hostRules';
import { queueServiceFor } from './queueConnection';
import { QueueListener } from './queueListener';
import type { QueuesOptions } from './queueOptions';

const POISON_SUFFIX = '-poison';

/**
 * Starts one listener per queue-triggered function, on the queue service its `connection` setting
 * names (default AzureWebJobsStorage, as the extension's). Returns a function that stops them all
 * and waits for the invocations in flight.
 */
export function startQueueTriggers(
  worker: NodeWorker,
  functions: readonly IndexedTriggerFunction[],
  options: QueuesOptions,
  log: WorkerLogger,
  env: NodeJS.ProcessEnv = process.env,
): () => Promise<void> {
  const listeners = functions.flatMap((fn) => {
    const connection =
      typeof fn.binding.connection === 'string' && fn.binding.connection
        ? fn.binding.connection
        : 'AzureWebJobsStorage';
    let service: QueueServiceClient;
    try {
      service = queueServiceFor(connection, env);
    } catch (error) {
      // As the host does: this function's listener fails to start, the rest of the app runs.
      const message = `The listener for function '${fn.name}' was unable to start: ${String(error)}`;
      log({ level: 'error', category: 'system', message, functionName: fn.name });
      return [];
    }
    const queueName = String(fn.binding.queueName);
    const poisonName = poisonQueueName(queueName);
    const listener = new QueueListener(
      worker,
      fn,
      service.getQueueClient(queueName),
      poisonName ? service.getQueueClient(poisonName) : undefined,
      options,
      log,
    );
    listener.start();
    return [listener];
  });
  return async () => {
    await Promise.all(listeners.map((listener) => listener.stop()));
  };
}

/** `{queue}-poison`, or none (QueueListenerFactory.CreatePoisonQueueReference). */
export function poisonQueueName(queueName: string): string | undefined {
  if (queueName.endsWith(POISON_SUFFIX)) return undefined;
  const name = queueName + POISON_SUFFIX;
  return isValidQueueName(name) ? name : undefined;
}
