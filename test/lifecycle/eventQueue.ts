/** Reads the events Storage Queue the way a subscriber would, for the lifecycle tests and bench. */
import { QueueClient } from '@azure/storage-queue';
import { setTimeout as sleep } from 'node:timers/promises';
import { AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY } from '../../host/azurite';
import type { EventGridEvent } from '../../shared/events/eventGridEvent';

export interface ReceivedEvent extends EventGridEvent {
  /** When the queue took the message. */
  readonly insertedOn: Date;
}

export function queueAt(queueServiceUrl: string, name: string): QueueClient {
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};` +
    `QueueEndpoint=${queueServiceUrl};`;
  return new QueueClient(connectionString, name);
}

export function queueOf(connectionString: string, name: string): QueueClient {
  return new QueueClient(connectionString, name);
}

/** Receives (and deletes) every message there is now; [] when the queue does not exist yet. */
export async function drain(queue: QueueClient): Promise<ReceivedEvent[]> {
  const events: ReceivedEvent[] = [];
  for (;;) {
    let received;
    try {
      received = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return events;
      throw error;
    }
    if (received.receivedMessageItems.length === 0) return events;
    for (const message of received.receivedMessageItems) {
      events.push({ ...(JSON.parse(message.messageText) as EventGridEvent), insertedOn: message.insertedOn });
      await queue.deleteMessage(message.messageId, message.popReceipt);
    }
  }
}

/** Drains until `done` says the events so far are enough; throws after about `waitMs`. */
export async function receiveUntil(
  queue: QueueClient,
  done: (events: readonly ReceivedEvent[]) => boolean,
  waitMs = 60_000,
): Promise<ReceivedEvent[]> {
  const events: ReceivedEvent[] = [];
  const deadline = Date.now() + waitMs;
  for (;;) {
    events.push(...(await drain(queue)));
    if (done(events)) return events;
    if (Date.now() > deadline) {
      throw new Error(`gave up waiting; received ${events.map((e) => e.data.sequenceNumber).join(',')}`);
    }
    await sleep(100);
  }
}
