/**
 * Request Cancellation (PS3.18 11.8, N-ACTION Request UPS Cancel): only a SCHEDULED workitem is
 * canceled (202); the server records when, why (ReasonForCancellation, the discontinuation reason
 * code) and whom to contact, from the optional Action Information of the body (PS3.4 Table CC.2.2-1).
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DicomJsonDataset, DicomJsonElement } from '../dicom/dicomJson';
import { UpsTag as T } from '../dicom/upsTags';
import { WorkitemError } from '../errors';
import { transition } from './procedureStepState';
import { existingWorkitem } from './retrieveWorkitem';
import { readWorkitemDataset } from './workitemBody';
import { nowDateTime, requireUid, warningHeader } from './workitemHttp';
import type { WorkitemRecord } from './workitemRecord';
import { replaceOrConflict } from './changeWorkitemState';

/** DCM 110513 (CID 9300): what the final state needs when the requester gave no reason code. */
const UNSPECIFIED_REASON: DicomJsonDataset = {
  [T.CodeValue]: { vr: 'SH', Value: ['110513'] },
  [T.CodingSchemeDesignator]: { vr: 'SH', Value: ['DCM'] },
  [T.CodeMeaning]: { vr: 'LO', Value: ['Discontinued for unspecified reason'] },
};

export const ALREADY_CANCELED = 'The UPS is already in the requested state of CANCELED.';

export async function requestCancellationHttp(
  request: HttpRequest,
  uidParam: string | undefined,
): Promise<HttpResponseInit> {
  const uid = requireUid(uidParam, 'workitem UID');
  const body = await readWorkitemDataset(request);
  const stored = await existingWorkitem(uid);
  const step = transition(stored.record.state, 'REQUEST CANCEL', false);
  if (step.kind === 'error') {
    throw new WorkitemError(400, `The workitem instance can not transition to 'CANCELED' state: ${step.code}.`);
  }
  if (step.kind === 'warning') throw new WorkitemError(409, ALREADY_CANCELED, warningHeader(request, ALREADY_CANCELED));
  await replaceOrConflict(stored, canceled(stored.record, body), 'cancel workitem');
  return { status: 202 };
}

function canceled(record: WorkitemRecord, body: DicomJsonDataset): WorkitemRecord {
  const progress: DicomJsonDataset = {
    ...firstItem(record.dataset[T.ProcedureStepProgressInformationSequence]),
    [T.ProcedureStepCancellationDateTime]: { vr: 'DT', Value: [nowDateTime()] },
  };
  copy(body, progress, T.ReasonForCancellation);
  copy(body, progress, T.ProcedureStepDiscontinuationReasonCodeSequence);
  progress[T.ProcedureStepDiscontinuationReasonCodeSequence] ??= { vr: 'SQ', Value: [UNSPECIFIED_REASON] };
  const contact: DicomJsonDataset = {};
  copy(body, contact, T.ContactURI);
  copy(body, contact, T.ContactDisplayName);
  if (Object.keys(contact).length > 0) {
    progress[T.ProcedureStepCommunicationsURISequence] = { vr: 'SQ', Value: [contact] };
  }
  const dataset: DicomJsonDataset = {
    ...record.dataset,
    [T.ProcedureStepState]: { vr: 'CS', Value: ['CANCELED'] },
    [T.ProcedureStepProgressInformationSequence]: { vr: 'SQ', Value: [progress] },
  };
  return { ...record, state: 'CANCELED', dataset };
}

function firstItem(element: DicomJsonElement | undefined): DicomJsonDataset {
  const item = element?.vr === 'SQ' ? element.Value?.[0] : undefined;
  return item !== null && typeof item === 'object' ? { ...(item as DicomJsonDataset) } : {};
}

function copy(from: DicomJsonDataset, to: DicomJsonDataset, tag: string): void {
  const element = from[tag];
  if (element) to[tag] = element;
}
