import { getConfig } from '../config';
import { onFeedCommit } from '../changefeed/feedCommitListeners';
import { EventPublisher } from './eventPublisher';
import { allSinks, eventGridSink, queueSink, type EventSink } from './eventSinks';

/** Set by App Service on Azure: the app's default host name. */
const WEBSITE_HOSTNAME = 'WEBSITE_HOSTNAME';

let publisher: EventPublisher | undefined;

/**
 * The process's event publisher, built from the settings (docs/lifecycle.md); undefined when events
 * are off. Its first call also subscribes it to change-feed commits, for low latency.
 */
export function dicomEventPublisher(): EventPublisher | undefined {
  const { events, store } = getConfig();
  if (!events.enabled) return undefined;
  if (!publisher) {
    const serviceHostName = store.publicBaseUrl
      ? new URL(store.publicBaseUrl).host
      : (process.env[WEBSITE_HOSTNAME]?.trim() ?? '') || 'localhost';
    const sinks: EventSink[] = [
      events.topicEndpoint === undefined
        ? queueSink(events.queue, events.filteredQueues)
        : allSinks([eventGridSink(events.topicEndpoint), queueSink(undefined, events.filteredQueues)]),
    ];
    const created = new EventPublisher(
      allSinks(sinks),
      { serviceHostName, topic: events.topic ?? serviceHostName },
      (message) => console.warn(message),
    );
    publisher = created;
    onFeedCommit(() => created.nudge());
  }
  return publisher;
}
