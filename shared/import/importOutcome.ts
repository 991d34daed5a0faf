import { getItems, getNumber, getStrings } from '../dicom/dicomJson';
import { Tag } from '../dicom/tags';
import { FailureReason } from '../store/failureReasons';
import type { StowResponse } from '../store/stowResponse';

/** What became of one imported file, read from the STOW response the store pipeline built. */
export type ImportOutcome =
  | { readonly kind: 'stored' }
  /** 45070: the instance is there already (a retry after a crash, or the same file dropped twice). */
  | { readonly kind: 'alreadyStored' }
  /** 45071 or 272: nothing wrong with the file; leave it for a later run. */
  | { readonly kind: 'retry'; readonly reason: string }
  /** Not storable as it is: goes to the error container. */
  | { readonly kind: 'rejected'; readonly failureReason: number | undefined; readonly reason: string };

/** Reads the outcome of a single-instance store (a `application/dicom` body holds one instance). */
export function importOutcome(response: StowResponse): ImportOutcome {
  if (response.status === 204 || !response.body) {
    return { kind: 'rejected', failureReason: undefined, reason: 'The file is empty.' };
  }
  if (response.status === 200 || response.status === 202) return { kind: 'stored' };
  const failed = getItems(response.body, Tag.FailedSOPSequence)[0];
  const code = failed ? getNumber(failed, Tag.FailureReason) : undefined;
  const comments = failed
    ? getItems(failed, Tag.FailedAttributesSequence).flatMap((item) => getStrings(item, Tag.ErrorComment))
    : [];
  const reason = comments.join(' ') || `Failure reason ${String(code)}.`;
  if (code === FailureReason.InstanceAlreadyExists) return { kind: 'alreadyStored' };
  if (code === FailureReason.InstanceBeingProcessed || code === FailureReason.ProcessingFailure) {
    return { kind: 'retry', reason };
  }
  return { kind: 'rejected', failureReason: code, reason };
}
