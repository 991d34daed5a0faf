/**
 * Update Workitem (PS3.18 11.6, N-SET): a SCHEDULED workitem is updated without a Transaction
 * UID, an IN PROGRESS one only with its lock; final ones are not. Each attribute of the request
 * replaces the stored one (sequences whole); attributes the requester may not change are refused.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { UpsTag as T } from '../dicom/upsTags';
import { WorkitemError } from '../errors';
import type { ApiVersion } from '../http/apiVersion';
import { CONFLICT, replaceOrConflict } from './changeWorkitemState';
import { checkStartDateTime } from './datasetRules';
import { checkRequirements, UPDATE_REQUIREMENTS } from './requirements';
import { readStored } from './retrieveWorkitem';
import { readWorkitemDataset } from './workitemBody';
import { firstQueryKey, nowDateTime, requireUid, workitemUrl } from './workitemHttp';
import type { WorkitemRecord } from './workitemRecord';

const UPDATE_RULE = 'N-SET requirements, PS3.4 Table CC.2.5-3';
export const NOT_CLAIMED = 'The target URI did not reference a claimed Workitem.';

export async function updateWorkitemHttp(
  request: HttpRequest,
  apiVersion: ApiVersion,
  uidParam: string | undefined,
): Promise<HttpResponseInit> {
  const uid = requireUid(uidParam, 'workitem UID');
  const queryKey = firstQueryKey(request);
  const transactionUid = queryKey === undefined ? undefined : requireUid(queryKey, 'Transaction UID');
  const changes = await readWorkitemDataset(request);
  const stored = await readStored(uid);
  // As Azure: an unknown workitem is "not a claimed workitem" (400), not 404.
  if (!stored) throw new WorkitemError(400, NOT_CLAIMED);
  checkLock(stored.record, transactionUid);
  checkRequirements(changes, UPDATE_REQUIREMENTS, UPDATE_RULE);
  checkStartDateTime(changes);
  const after: WorkitemRecord = {
    ...stored.record,
    dataset: {
      ...stored.record.dataset,
      ...changes,
      [T.ScheduledProcedureStepModificationDateTime]: { vr: 'DT', Value: [nowDateTime()] },
    } satisfies DicomJsonDataset,
  };
  await replaceOrConflict(stored, after, 'update workitem');
  return { status: 200, headers: { 'Content-Location': workitemUrl(request, apiVersion, uid) } };
}

function checkLock(record: WorkitemRecord, transactionUid: string | undefined): void {
  switch (record.state) {
    case 'SCHEDULED':
      if (transactionUid !== undefined) {
        throw new WorkitemError(400, 'Invalid TransactionUID for the specified Workitem Instance UID.');
      }
      return;
    case 'IN PROGRESS':
      if (transactionUid !== record.transactionUid) throw new WorkitemError(400, NOT_CLAIMED);
      return;
    case 'COMPLETED':
      throw new WorkitemError(400, `${CONFLICT} The UPS is already COMPLETED.`);
    case 'CANCELED':
      throw new WorkitemError(409, `${CONFLICT} The UPS is already CANCELED.`);
  }
}
