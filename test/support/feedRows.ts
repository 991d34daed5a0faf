/**
 * The change feed's events as stored, read raw (blocks expanded with the production decoder), so a
 * test checks what a reader of the table would find, not what the API chooses to show.
 */
import { decodeEvents } from '../../shared/changefeed/changeFeedEntry';
import type { StorageProbe } from './storageProbe';

export interface StoredFeedEvent {
  readonly sequence: number;
  readonly action: string;
  readonly sopInstanceUid: string;
}

export async function storedFeedEvents(probe: StorageProbe): Promise<StoredFeedEvent[]> {
  const rows = await probe.entities('ChangeFeed', `PartitionKey eq 'feed' and RowKey ge 'seq-' and RowKey lt 'seq.'`);
  return rows
    .flatMap((row) =>
      decodeEvents(String(row.Events)).map((event, i) => ({
        sequence: Number(row.First) + i,
        action: event.action,
        sopInstanceUid: event.sopInstanceUid,
      })),
    )
    .sort((a, b) => a.sequence - b.sequence);
}
