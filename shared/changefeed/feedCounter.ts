/**
 * The change feed's counter row: the last sequence handed out, the last event time, and the stage
 * rows the last sequencing round numbered (shared/changefeed/feedSequencer.ts). Every commit, direct
 * or sequenced, replaces it guarded by the ETag it was read with, so commits are serialized by it.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { getEntityIfExists } from '../storage/entityReads';
import { COUNTER_ROW, FEED_PARTITION } from './changeFeedEntry';

/** A stage row numbered by a sequencing round, and the first sequence its events got. */
export interface SequencedStage {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly first: number;
  readonly count: number;
}

export interface CounterState {
  readonly last: number;
  readonly lastTimestamp: number;
  /** The last round's stage rows: deleted by the next round before it lists stage rows (exactly once). */
  readonly sequenced: readonly SequencedStage[];
  /** The event time of that round's events. */
  readonly sequencedAt: number;
  /** undefined: the counter row does not exist yet. */
  readonly etag: string | undefined;
}

interface CounterEntity {
  Last: number;
  LastTimestamp?: number;
  Sequenced?: string;
  SequencedAt?: number;
}

type EncodedStage = [string, string, number, number];

export async function readCounter(client: TableClient): Promise<CounterState> {
  const entity = await getEntityIfExists<CounterEntity>(client, FEED_PARTITION, COUNTER_ROW);
  if (!entity) return { last: 0, lastTimestamp: 0, sequenced: [], sequencedAt: 0, etag: undefined };
  return {
    last: Number(entity.Last),
    lastTimestamp: Number(entity.LastTimestamp ?? 0),
    sequenced: decodeSequenced(entity.Sequenced),
    sequencedAt: Number(entity.SequencedAt ?? 0),
    etag: entity.etag,
  };
}

/** The counter's replacement (or creation), guarded by the ETag of `counter`. */
export function counterAction(counter: CounterState, next: Omit<CounterState, 'etag'>): TransactionAction {
  const entity = {
    partitionKey: FEED_PARTITION,
    rowKey: COUNTER_ROW,
    Last: next.last,
    LastTimestamp: next.lastTimestamp,
    SequencedAt: next.sequencedAt,
    Sequenced: JSON.stringify(next.sequenced.map((s): EncodedStage => [s.partitionKey, s.rowKey, s.first, s.count])),
  };
  return counter.etag === undefined ? ['create', entity] : ['update', entity, 'Replace', { etag: counter.etag }];
}

function decodeSequenced(text: string | undefined): SequencedStage[] {
  if (!text) return [];
  return (JSON.parse(text) as EncodedStage[]).map(([partitionKey, rowKey, first, count]) => ({
    partitionKey,
    rowKey,
    first,
    count,
  }));
}
