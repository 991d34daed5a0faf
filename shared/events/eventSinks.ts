/**
 * Where events go: an Event Grid topic (on Azure, with the managed identity) or the events Storage
 * Queue (locally, one Event Grid-schema JSON event per message), plus the filtered queues. A send
 * either succeeds for every event given or throws, and the publisher then sends them all again:
 * delivery is at least once.
 */
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import type { QueueClient } from '@azure/storage-queue';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { queueNamed } from '../storage/clients';
import type { EventGridEvent } from './eventGridEvent';
import { matches, type FilterSubject, type QueueFilter } from './eventFilters';

export interface OutgoingEvent {
  readonly event: EventGridEvent;
  readonly subject: FilterSubject;
}

export type EventSink = (events: readonly OutgoingEvent[]) => Promise<void>;

const QUEUE_SEND_CONCURRENCY = 16;
/** Event Grid takes up to 1 MB per request; an event is under 1 KB. */
const EVENT_GRID_BATCH = 200;
const EVENT_GRID_SCOPE = 'https://eventgrid.azure.net/.default';

const created = new Map<string, Promise<unknown>>();

/** The queue, created once per process (a queue may be deleted by hand: a failed send creates it again). */
async function readyQueue(name: string): Promise<QueueClient> {
  const client = queueNamed(name);
  let ready = created.get(name);
  if (!ready) {
    ready = client.createIfNotExists();
    created.set(name, ready);
    ready.catch(() => created.delete(name));
  }
  await ready;
  return client;
}

async function sendToQueue(name: string, events: readonly EventGridEvent[]): Promise<void> {
  if (events.length === 0) return;
  const client = await readyQueue(name);
  try {
    await mapConcurrently([...events], QUEUE_SEND_CONCURRENCY, (e) => client.sendMessage(JSON.stringify(e)));
  } catch (error) {
    created.delete(name);
    throw error;
  }
}

/** The events queue, plus each filtered queue with the events its filter passes. */
export function queueSink(queue: string | undefined, filters: readonly QueueFilter[]): EventSink {
  return async (events) => {
    await Promise.all([
      queue === undefined
        ? Promise.resolve()
        : sendToQueue(
            queue,
            events.map((e) => e.event),
          ),
      ...filters.map((filter) =>
        sendToQueue(
          filter.queue,
          events.filter((e) => matches(filter, e.subject)).map((e) => e.event),
        ),
      ),
    ]);
  };
}

/**
 * An Event Grid topic's REST endpoint (`https://{topic}.{region}-1.eventgrid.azure.net/api/events`)
 * in the Event Grid schema, authenticated with a Microsoft Entra token for Event Grid (the app's
 * managed identity needs the EventGrid Data Sender role on the topic).
 */
export function eventGridSink(endpoint: string, token: () => Promise<string> = managedIdentityToken()): EventSink {
  return async (events) => {
    for (let i = 0; i < events.length; i += EVENT_GRID_BATCH) {
      const batch = events.slice(i, i + EVENT_GRID_BATCH).map((e) => e.event);
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { Authorization: `Bearer ${await token()}`, 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) {
        const text = (await response.text()).slice(0, 500);
        throw new Error(`Event Grid answered ${response.status}: ${text}`);
      }
      await response.body?.cancel();
    }
  };
}

function managedIdentityToken(): () => Promise<string> {
  let credential: TokenCredential | undefined;
  return async () => {
    credential ??= new DefaultAzureCredential();
    const token = await credential.getToken(EVENT_GRID_SCOPE);
    if (!token) throw new Error('No Microsoft Entra token for Event Grid.');
    return token.token;
  };
}

/** Sends to every sink; fails if any fails (all are retried: at least once). */
export function allSinks(sinks: readonly EventSink[]): EventSink {
  return async (events) => {
    await Promise.all(sinks.map((sink) => sink(events)));
  };
}
