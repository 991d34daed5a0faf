/**
 * Create Workitem (PS3.18 11.4, N-CREATE): the server sets SOP Class, modification time, label and
 * state, checks the Type 1/2 requirements, and stores the workitem SCHEDULED without a lock.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { getString } from '../dicom/dicomJson';
import { UPS_PUSH_SOP_CLASS_UID, UpsTag as T } from '../dicom/upsTags';
import { WorkitemError } from '../errors';
import type { ApiVersion } from '../http/apiVersion';
import { ensureStorage } from '../storage/provision';
import { asServiceUnavailable } from '../storage/storageErrors';
import { checkStartDateTime, withoutTransactionUid } from './datasetRules';
import { checkRequirements, CREATE_REQUIREMENTS } from './requirements';
import { readWorkitemDataset } from './workitemBody';
import { firstQueryKey, nowDateTime, requireDicomJsonAccept, requireUid, workitemUrl } from './workitemHttp';
import { createWorkitem } from './workitemWrites';
import { WorkitemExists } from './workitemStore';

/** The label Azure gives every workitem (it has one worklist). */
export const WORKLIST_LABEL = 'worklist';
export const CREATE_RULE = 'Type 1 and 2 attributes of N-CREATE, PS3.4 Table CC.2.5-3';

export async function createWorkitemHttp(request: HttpRequest, apiVersion: ApiVersion): Promise<HttpResponseInit> {
  requireDicomJsonAccept(request, true);
  const body = await readWorkitemDataset(request);
  const queryKey = firstQueryKey(request);
  const queryUid = queryKey === undefined ? undefined : requireUid(queryKey, 'workitem UID');
  const dataset = serverAttributes(body, queryUid);
  checkRequirements(dataset, CREATE_REQUIREMENTS, CREATE_RULE);
  const uid = requireUid(getString(dataset, T.SOPInstanceUID), 'workitem UID (0008,0018) SOPInstanceUID');
  checkStartDateTime(dataset);
  const record = {
    uid,
    state: 'SCHEDULED' as const,
    transactionUid: undefined,
    dataset: withoutTransactionUid(dataset),
  };
  try {
    await ensureStorage();
    await createWorkitem(record);
  } catch (error) {
    if (error instanceof WorkitemExists) {
      throw new WorkitemError(409, 'The workitem instance already exists. Try creating using a different UID.');
    }
    throw asServiceUnavailable(error, 'create workitem');
  }
  const url = workitemUrl(request, apiVersion, uid);
  return { status: 201, headers: { Location: url, 'Content-Location': url } };
}

/** The attributes the SCP owns (PS3.4 CC.2.5.1.3), and the UID from the query reconciled with the body's. */
function serverAttributes(body: DicomJsonDataset, queryUid: string | undefined): DicomJsonDataset {
  const dataset: DicomJsonDataset = { ...body };
  if (queryUid !== undefined) {
    const bodyUid = getString(dataset, T.SOPInstanceUID);
    if (bodyUid !== undefined && bodyUid !== queryUid) {
      throw new WorkitemError(400, 'SOPInstanceUID in the payload does not match the workitem query parameter.');
    }
    dataset[T.SOPInstanceUID] = { vr: 'UI', Value: [queryUid] };
  }
  dataset[T.SOPClassUID] = { vr: 'UI', Value: [UPS_PUSH_SOP_CLASS_UID] };
  dataset[T.ScheduledProcedureStepModificationDateTime] = { vr: 'DT', Value: [nowDateTime()] };
  dataset[T.WorklistLabel] = { vr: 'LO', Value: [WORKLIST_LABEL] };
  dataset[T.ProcedureStepState] = { vr: 'CS', Value: ['SCHEDULED'] };
  return dataset;
}
