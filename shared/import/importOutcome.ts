import { FailureReason } from '../store/failureReasons';
import type { InstanceOutcome } from '../store/stowOutcome';

/** What became of one imported file, from the outcome the store pipeline gave its part. */
export type ImportOutcome =
  | { readonly kind: 'stored' }
  /** 45070: the instance is there already (a retry after a crash, or the same file dropped twice). */
  | { readonly kind: 'alreadyStored' }
  /** 45071 or 272: nothing wrong with the file; leave it for a later run. */
  | { readonly kind: 'retry'; readonly reason: string }
  /** Not storable as it is: goes to the error container. */
  | { readonly kind: 'rejected'; readonly failureReason: number | undefined; readonly reason: string };

/** `undefined`: a single `application/dicom` body with no bytes (STOW's 204). */
export function importOutcome(outcome: InstanceOutcome | undefined): ImportOutcome {
  if (!outcome) return { kind: 'rejected', failureReason: undefined, reason: 'The file is empty.' };
  if (outcome.kind === 'stored') return { kind: 'stored' };
  const reason = outcome.messages.join(' ') || `Failure reason ${outcome.reason}.`;
  if (outcome.reason === FailureReason.InstanceAlreadyExists) return { kind: 'alreadyStored' };
  if (outcome.reason === FailureReason.InstanceBeingProcessed || outcome.reason === FailureReason.ProcessingFailure) {
    return { kind: 'retry', reason };
  }
  return { kind: 'rejected', failureReason: outcome.reason, reason };
}
