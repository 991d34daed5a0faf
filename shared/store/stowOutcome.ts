import type { FailureReasonCode } from './failureReasons';

/** The outcome of storing one part of a STOW request; the response is built from a list of these. */
export type InstanceOutcome = StoredInstance | FailedInstance;

export interface StoredInstance {
  readonly kind: 'stored';
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly sopClassUid: string;
  /** Attribute validation messages (API v2 stores with warnings). */
  readonly warnings: readonly string[];
}

export interface FailedInstance {
  readonly kind: 'failed';
  readonly reason: FailureReasonCode;
  /** Known when the file could be read far enough. */
  readonly sopClassUid?: string | undefined;
  readonly sopInstanceUid?: string | undefined;
  /** Why, in words a client can act on; returned as ErrorComment. */
  readonly messages: readonly string[];
}
