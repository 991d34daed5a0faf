import type { DicomJsonDataset } from '../dicom/dicomJson';
import { Tag } from '../dicom/tags';
import { WarningReason } from './failureReasons';
import type { FailedInstance, InstanceOutcome, StoredInstance } from './stowOutcome';

export interface StowResponse {
  readonly status: number;
  /** undefined for 204 (empty request). */
  readonly body: DicomJsonDataset | undefined;
}

export interface StowResponseContext {
  /** e.g. `https://host/v2`: RetrieveURLs are built below it. */
  readonly versionBaseUrl: string;
  /** The study of a study-scoped request (`POST /studies/{study}`). */
  readonly requestStudyInstanceUid: string | undefined;
}

/**
 * The status of a STOW response, from the conformance statement: nothing sent 204, all stored
 * cleanly 200, some stored or stored with warnings 202, none stored 409.
 */
export function stowStatus(outcomes: readonly InstanceOutcome[]): number {
  if (outcomes.length === 0) return 204;
  const stored = outcomes.filter((o): o is StoredInstance => o.kind === 'stored');
  if (stored.length === 0) return 409;
  const clean = stored.length === outcomes.length && stored.every((o) => o.warnings.length === 0);
  return clean ? 200 : 202;
}

export function buildStowResponse(outcomes: readonly InstanceOutcome[], context: StowResponseContext): StowResponse {
  const status = stowStatus(outcomes);
  if (status === 204) return { status, body: undefined };
  const stored = outcomes.filter((o): o is StoredInstance => o.kind === 'stored');
  const failed = outcomes.filter((o): o is FailedInstance => o.kind === 'failed');
  const body: DicomJsonDataset = {};
  if (context.requestStudyInstanceUid !== undefined && stored.length > 0) {
    body[Tag.RetrieveURL] = {
      vr: 'UR',
      Value: [`${context.versionBaseUrl}/studies/${context.requestStudyInstanceUid}`],
    };
  }
  if (failed.length > 0) body[Tag.FailedSOPSequence] = { vr: 'SQ', Value: failed.map(failedItem) };
  if (stored.length > 0) {
    body[Tag.ReferencedSOPSequence] = { vr: 'SQ', Value: stored.map((o) => storedItem(o, context)) };
  }
  return { status, body };
}

function failedItem(outcome: FailedInstance): DicomJsonDataset {
  const item: DicomJsonDataset = {
    [Tag.ReferencedSOPClassUID]: uidElement(outcome.sopClassUid),
    [Tag.ReferencedSOPInstanceUID]: uidElement(outcome.sopInstanceUid),
    [Tag.FailureReason]: { vr: 'US', Value: [outcome.reason] },
  };
  if (outcome.messages.length > 0) item[Tag.FailedAttributesSequence] = errorComments(outcome.messages);
  return item;
}

function storedItem(outcome: StoredInstance, context: StowResponseContext): DicomJsonDataset {
  const item: DicomJsonDataset = {
    [Tag.ReferencedSOPClassUID]: uidElement(outcome.sopClassUid),
    [Tag.ReferencedSOPInstanceUID]: uidElement(outcome.sopInstanceUid),
    [Tag.RetrieveURL]: {
      vr: 'UR',
      Value: [
        `${context.versionBaseUrl}/studies/${outcome.studyInstanceUid}/series/${outcome.seriesInstanceUid}/instances/${outcome.sopInstanceUid}`,
      ],
    },
  };
  if (outcome.warnings.length > 0) {
    item[Tag.WarningReason] = { vr: 'US', Value: [WarningReason.ValidationWarnings] };
    item[Tag.FailedAttributesSequence] = errorComments(outcome.warnings);
  }
  return item;
}

function uidElement(uid: string | undefined): DicomJsonDataset[string] {
  return uid ? { vr: 'UI', Value: [uid] } : { vr: 'UI' };
}

function errorComments(messages: readonly string[]): DicomJsonDataset[string] {
  return { vr: 'SQ', Value: messages.map((m) => ({ [Tag.ErrorComment]: { vr: 'LO', Value: [m] } })) };
}
