/** Writes change-feed entries straight into the table, as the writer would, for the page benchmark. */
import type { TransactionAction } from '@azure/data-tables';
import { COUNTER_ROW, FEED_PARTITION, sequenceRowKey } from '../shared/changefeed/changeFeedEntry';
import { table } from '../shared/storage/clients';
import { forEachConcurrently } from './changefeedServer';

/** Entries per transaction (the service's limit is 100 operations). */
const ROWS_PER_TRANSACTION = 100;
/** Transactions in flight: enough to keep Azurite busy without queueing for seconds. */
const WRITERS = 8;
/** Simulated spacing of event times: one entry every 10 ms. */
const EVENT_SPACING_MS = 10;

export const SEED_EPOCH = Date.UTC(2024, 0, 1);

/** Entries `from` to `to` (inclusive), then the counter; event times grow with the sequence. */
export async function seedFeed(from: number, to: number): Promise<void> {
  const client = table('changeFeed');
  const batches = Math.ceil((to - from + 1) / ROWS_PER_TRANSACTION);
  await forEachConcurrently(batches, WRITERS, async (batch) => {
    const first = from + batch * ROWS_PER_TRANSACTION;
    const last = Math.min(to, first + ROWS_PER_TRANSACTION - 1);
    const actions: TransactionAction[] = [];
    for (let sequence = first; sequence <= last; sequence += 1) {
      actions.push([
        'create',
        { partitionKey: FEED_PARTITION, rowKey: sequenceRowKey(sequence), ...feedEntryProperties(sequence) },
      ]);
    }
    await client.submitTransaction(actions);
  });
  await client.upsertEntity(
    { partitionKey: FEED_PARTITION, rowKey: COUNTER_ROW, Last: to, LastTimestamp: eventTime(to).getTime() },
    'Replace',
  );
}

export function eventTime(sequence: number): Date {
  return new Date(SEED_EPOCH + sequence * EVENT_SPACING_MS);
}

/** The properties of a generated entry (also preloaded by changefeedLoki.ts, which must match). */
export function feedEntryProperties(sequence: number): {
  Sequence: number;
  Action: 'create' | 'delete';
  StudyInstanceUid: string;
  SeriesInstanceUid: string;
  SopInstanceUid: string;
  Version: string;
  EventTime: Date;
} {
  return {
    Sequence: sequence,
    Action: sequence % 10 === 0 ? 'delete' : 'create',
    StudyInstanceUid: `1.2.3.${Math.floor(sequence / 100)}`,
    SeriesInstanceUid: '1.2.3.4',
    SopInstanceUid: `1.2.3.4.${sequence}`,
    Version: `v${sequence}`,
    EventTime: eventTime(sequence),
  };
}
