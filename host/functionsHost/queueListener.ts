import { randomUUID } from 'node:crypto';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { TypedData } from '../worker/coreTypes';
import type { NodeWorker, WorkerLogger } from '../worker/nodeWorker';
import type { IndexedTriggerFunction } from './functionIndex';
import { PollingBackoff } from './pollingBackoff';
import type { QueuesOptions } from './queueOptions';

/**
 * The Storage Queues extension's listener for one queue-triggered function, run locally. Upstream
 * (azure-sdk-for-net, sdk/storage/Microsoft.Azure.WebJobs.Extensions.Storage.Common/src/Shared/Queues/):
 * - QueueListener.cs: receive up to batchSize messages with a 10-minute visibility, renewed at half
 *   of it while the function runs; run them concurrently; fetch the next batch once no more than
 *   newBatchThreshold are still running; back off (pollingBackoff.ts) when a poll finds nothing or
 *   fails; check that the queue exists before polling it.
 * - QueueProcessor.cs: a message whose dequeueCount is already above maxDequeueCount goes to the
 *   poison queue unprocessed; after a success the message is deleted; after a failure it is made
 *   visible again after visibilityTimeout, unless its dequeueCount reached maxDequeueCount: then it
 *   is copied to the poison queue and deleted. A queue without a poison queue keeps a failed
 *   message invisible (no fast retry loop).
 * - QueueListenerFactory.cs: the poison queue is `{queue}-poison`, none for a queue that already
 *   ends in `-poison` or whose poison name would be too long; it is created when first needed.
 * Decoding (Queues/src/QueueServiceClientProvider.cs): with base64 encoding, a message that is not
 * base64 goes to the poison queue as it is.
 */
export class QueueListener {
  readonly #processing = new Set<Promise<void>>();
  readonly #backoff: PollingBackoff;
  #queueExists = false;
  #foundSinceLastDelay = false;
  #stopped = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly worker: NodeWorker,
    private readonly fn: IndexedTriggerFunction,
    private readonly queue: QueueClient,
    private readonly poison: QueueClient | undefined,
    private readonly options: QueuesOptions,
    private readonly log: WorkerLogger,
  ) {
    this.#backoff = new PollingBackoff(options.maxPollingIntervalMs);
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops polling and waits for the invocations in flight, as StopAsync does. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    await Promise.all(this.#processing);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      let messages: DequeuedMessageItem[] = [];
      try {
        if (!this.#queueExists) this.#queueExists = await this.queue.exists();
        if (this.#queueExists) {
          const response = await this.queue.receiveMessages({
            numberOfMessages: this.options.batchSize,
            visibilityTimeout: RECEIVE_VISIBILITY_S,
          });
          messages = response.receivedMessageItems;
        }
      } catch (error) {
        // Any error: check existence again next time (QueueListener.ExecuteAsync).
        this.#queueExists = false;
        this.#report('warning', `Polling queue '${this.queue.name}' failed: ${describe(error)}`);
      }
      if (this.#stopped) break;
      if (messages.length === 0) {
        await this.#sleep(this.#backoff.next(this.#foundSinceLastDelay));
        this.#foundSinceLastDelay = false;
        continue;
      }
      for (const message of messages) this.#track(this.#process(message));
      this.#foundSinceLastDelay = true;
      while (this.#processing.size > this.options.newBatchThreshold && !this.#stopped) {
        await Promise.race(this.#processing);
      }
    }
  }

  #track(task: Promise<void>): void {
    const tracked = task.finally(() => this.#processing.delete(tracked));
    this.#processing.add(tracked);
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  async #process(message: DequeuedMessageItem): Promise<void> {
    let receipt = message.popReceipt;
    try {
      if (message.dequeueCount > this.options.maxDequeueCount) return await this.#toPoison(message, receipt);
      const body = this.#decode(message.messageText);
      if (!body) {
        this.#report('warning', `Message '${message.messageId}' is not base64; moving it to the poison queue.`);
        return await this.#toPoison(message, receipt);
      }
      const renew = setInterval(
        () => {
          this.queue
            .updateMessage(message.messageId, receipt, undefined, RECEIVE_VISIBILITY_S)
            .then((updated) => (receipt = updated.popReceipt ?? receipt))
            .catch((error: unknown) => this.#report('warning', `Renewing visibility failed: ${describe(error)}`));
        },
        (RECEIVE_VISIBILITY_S * 1000) / 2,
      );
      renew.unref();
      let succeeded: boolean;
      try {
        succeeded = await this.#invoke(message, body);
      } finally {
        clearInterval(renew);
      }
      if (succeeded) {
        await this.#delete(message, receipt);
      } else if (this.poison) {
        if (message.dequeueCount >= this.options.maxDequeueCount) await this.#toPoison(message, receipt);
        else await this.#release(message, receipt);
      }
      // No poison queue: the failed message stays invisible until the receive visibility ends.
    } catch (error) {
      this.#report('error', `Completing message '${message.messageId}' failed: ${describe(error)}`);
    }
  }

  /** The message body, or undefined when base64 is expected and the text is not base64. */
  #decode(text: string): Buffer | undefined {
    if (this.options.messageEncoding === 'none') return Buffer.from(text, 'utf8');
    const compact = text.trim();
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(compact)) return undefined;
    return Buffer.from(compact, 'base64');
  }

  async #invoke(message: DequeuedMessageItem, body: Buffer): Promise<boolean> {
    const invocationId = randomUUID();
    const text = utf8(body);
    try {
      await this.worker.invoke({
        invocationId,
        functionId: this.fn.id,
        // What the host sends the worker for a queue message: the text as `string` (bytes when it is
        // not UTF-8), and QueueTriggerBinding.CreateBindingData's values as trigger metadata,
        // converted as azure-functions-host src/WebJobs.Script.Grpc/MessageExtensions/
        // GrpcMessageConversionExtensions.cs ToRpc does (strings as string, the rest as JSON).
        inputData: [{ name: this.fn.triggerName, data: text === undefined ? { bytes: body } : { string: text } }],
        triggerMetadata: triggerMetadata(message, text, this.fn.name),
      });
      return true;
    } catch (error) {
      this.#report(
        'error',
        `Executed '${this.fn.name}' (Failed, Id=${invocationId}): ${describe(error)}`,
        invocationId,
      );
      return false;
    }
  }

  async #delete(message: DequeuedMessageItem, receipt: string): Promise<void> {
    await this.queue.deleteMessage(message.messageId, receipt).catch(ignoreGone);
  }

  async #release(message: DequeuedMessageItem, receipt: string): Promise<void> {
    const seconds = Math.ceil(this.options.visibilityTimeoutMs / 1000);
    await this.queue.updateMessage(message.messageId, receipt, undefined, seconds).catch(ignoreGone);
  }

  async #toPoison(message: DequeuedMessageItem, receipt: string): Promise<void> {
    if (!this.poison) return;
    this.#report(
      'warning',
      `Message has reached MaxDequeueCount of ${this.options.maxDequeueCount}. Moving message to queue '${this.poison.name}'.`,
    );
    await this.poison.createIfNotExists();
    // The raw text: the poison queue gets the same encoded body the message had.
    await this.poison.sendMessage(message.messageText);
    await this.#delete(message, receipt);
  }

  #report(level: 'warning' | 'error', message: string, invocationId?: string): void {
    this.log({ level, category: 'system', message, functionName: this.fn.name, invocationId });
  }
}

/** The listener's receive visibility (QueueListener: 10 minutes, renewed while the function runs). */
const RECEIVE_VISIBILITY_S = 600;

function triggerMetadata(
  message: DequeuedMessageItem,
  text: string | undefined,
  functionName: string,
): Record<string, TypedData> {
  const json = (value: unknown): TypedData => ({ json: JSON.stringify(value) });
  const time = (date: Date | undefined): TypedData => json(date ? date.toISOString().replace(/Z$/, '+00:00') : null);
  const metadata: Record<string, TypedData> = {
    DequeueCount: json(message.dequeueCount),
    ExpirationTime: time(message.expiresOn),
    Id: { string: message.messageId },
    InsertionTime: time(message.insertedOn),
    NextVisibleTime: time(message.nextVisibleOn),
    PopReceipt: { string: message.popReceipt },
    sys: json({ MethodName: functionName, UtcNow: new Date().toISOString(), RandGuid: randomUUID() }),
  };
  // Not provided when the message is not a valid string (QueueTriggerBinding.CreateBindingData).
  if (text !== undefined) metadata.QueueTrigger = { string: text };
  return metadata;
}

function utf8(body: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}

/** The message or queue is gone, or someone else holds it: nothing to do (QueueProcessor). */
function ignoreGone(error: unknown): void {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 404 || status === 400 || status === 409) return;
  throw error;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
