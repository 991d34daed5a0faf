import { DEFAULT_PARTITION } from '../partitions/partition';

/** What a change-feed entry records, as the Azure DICOM service's change feed reports it. */
export type ChangeFeedAction = 'create' | 'delete';

export interface ChangeFeedEvent {
  readonly action: ChangeFeedAction;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  /** The stored version (blob set) of the instance the event is about. */
  readonly version: string;
  /** The data partition of the instance (docs/partitions.md); absent: the default partition. */
  readonly partitionName?: string;
}

export interface CommittedChangeFeedEvent extends ChangeFeedEvent {
  readonly sequence: number;
  readonly timestamp: Date;
}

/** The single change-feed partition; its counter row and entry rows change in one transaction. */
export const FEED_PARTITION = 'feed';
export const COUNTER_ROW = 'counter';
const SEQUENCE_DIGITS = 16;

/** Zero-padded so that RowKey order is sequence order. */
export function sequenceRowKey(sequence: number): string {
  return `seq-${sequence.toString().padStart(SEQUENCE_DIGITS, '0')}`;
}

/**
 * The events of one transaction share one block row (RowKey: the first event's sequence), so a
 * commit writes two entities (counter and block) however many events it carries: the feed
 * partition, which every store and delete writes, then takes 2 entity writes per transaction
 * instead of 2 per event plus the counter (docs/scale.md). Earlier releases wrote one `seq-` row
 * per event; readers take both.
 */
export const MAX_EVENTS_PER_BLOCK = 100;

/**
 * An event as the block's `Events` JSON holds it: [action, study, series, SOP instance, version],
 * plus the partition's name for an event of a named partition (the default partition's events
 * are written as before partitions existed).
 */
type EncodedEvent = [ChangeFeedAction, string, string, string, string, string?];

export function encodeEvents(events: readonly ChangeFeedEvent[]): string {
  return JSON.stringify(
    events.map((e): EncodedEvent => {
      const encoded: EncodedEvent = [e.action, e.studyInstanceUid, e.seriesInstanceUid, e.sopInstanceUid, e.version];
      if (e.partitionName !== undefined && e.partitionName !== DEFAULT_PARTITION.name) encoded.push(e.partitionName);
      return encoded;
    }),
  );
}

export function decodeEvents(text: string): ChangeFeedEvent[] {
  const parsed = JSON.parse(text) as EncodedEvent[];
  return parsed.map(([action, studyInstanceUid, seriesInstanceUid, sopInstanceUid, version, partitionName]) => ({
    action,
    studyInstanceUid,
    seriesInstanceUid,
    sopInstanceUid,
    version,
    partitionName: partitionName ?? DEFAULT_PARTITION.name,
  }));
}

/**
 * Rows of earlier releases that said "this version's create (delete) was committed", one per
 * event; still looked up so that recovery finishes attempts those releases left.
 */
export function legacyCreatedRowKey(version: string): string {
  return `created-${version}`;
}

export function legacyDeletedRowKey(version: string): string {
  return `deleted-${version}`;
}
