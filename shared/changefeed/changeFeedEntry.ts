/** What a change-feed entry records, as the Azure DICOM service's change feed reports it. */
export type ChangeFeedAction = 'create' | 'delete';

export interface ChangeFeedEvent {
  readonly action: ChangeFeedAction;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  /** The stored version (blob set) of the instance the event is about. */
  readonly version: string;
  /**
   * For creates: the instance entity's properties, kept on the commit record so that recovery
   * can finish a store whose process died between the commit and the entity update.
   */
  readonly commitRecord?: Readonly<Record<string, string | number | boolean | Date>>;
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

/** The row that says "this version's create was committed", looked up by store recovery. */
export function createdVersionRowKey(version: string): string {
  return `created-${version}`;
}

/**
 * The row that says "this version's delete reached the feed", written in the same transaction as
 * the delete entry, so that resuming an abandoned delete never appends its event twice.
 */
export function deletedVersionRowKey(version: string): string {
  return `deleted-${version}`;
}
