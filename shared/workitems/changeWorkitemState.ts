/**
 * Change Workitem State (PS3.18 11.7, N-ACTION Change UPS State): claim (IN PROGRESS, the request's
 * Transaction UID becomes the lock), complete or cancel. One ETag-guarded write: of clients
 * racing to claim one SCHEDULED workitem exactly one wins; the others get 409, or 400 C301 when
 * they read the workitem after the winner's write.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { getString } from '../dicom/dicomJson';
import { UpsTag as T } from '../dicom/upsTags';
import { WorkitemError } from '../errors';
import { asServiceUnavailable } from '../storage/storageErrors';
import { isTargetState, TARGET_STATES, transition, type TargetState } from './procedureStepState';
import { CANCELED_REQUIREMENTS, checkRequirements, COMPLETED_REQUIREMENTS, tagLabel } from './requirements';
import { existingWorkitem } from './retrieveWorkitem';
import { readWorkitemDataset } from './workitemBody';
import { requireUid, warningHeader } from './workitemHttp';
import type { StoredWorkitem, WorkitemRecord } from './workitemRecord';
import { ConcurrentWorkitemChange } from './workitemStore';
import { replaceWorkitem } from './workitemWrites';

export const CONFLICT = 'The submitted request is inconsistent with the current state of the Workitem.';
const STATE_RULE = 'Change UPS State Data Elements, PS3.4 Table CC.2.1-1 (Type 1)';
const FINAL_RULE = 'final state requirements, PS3.4 Table CC.2.5-3';

export async function changeWorkitemStateHttp(
  request: HttpRequest,
  uidParam: string | undefined,
): Promise<HttpResponseInit> {
  const uid = requireUid(uidParam, 'workitem UID');
  const body = await readWorkitemDataset(request);
  checkRequirements(
    body,
    [
      { tag: T.TransactionUID, type: '1' },
      { tag: T.ProcedureStepState, type: '1' },
    ],
    STATE_RULE,
  );
  const transactionUid = requireUid(getString(body, T.TransactionUID), 'Transaction UID');
  const target = getString(body, T.ProcedureStepState);
  if (!isTargetState(target)) {
    throw new WorkitemError(
      400,
      `Expected value '${tagLabel(T.ProcedureStepState)}' to be one of the following values: [${TARGET_STATES.join(',')}]`,
    );
  }
  const stored = await existingWorkitem(uid);
  const { record } = stored;
  const step = transition(record.state, target, record.transactionUid === transactionUid);
  if (step.kind === 'error') {
    throw new WorkitemError(400, `The workitem instance can not transition to '${target}' state: ${step.code}.`);
  }
  const after = withState(record, target, transactionUid);
  if (target !== 'IN PROGRESS') {
    checkRequirements(
      after.dataset,
      target === 'COMPLETED' ? COMPLETED_REQUIREMENTS : CANCELED_REQUIREMENTS,
      FINAL_RULE,
    );
  }
  if (step.kind === 'warning') {
    const message = `The workitem instance is already in the final state '${record.state}'. ${step.code}.`;
    return { status: 200, headers: { Warning: warningHeader(request, message) } };
  }
  await replaceOrConflict(stored, after, 'change workitem state');
  return { status: 200 };
}

/** replaceWorkitem, as every UPS-RS change answers it: 409 when another request wrote first, else 503. */
export async function replaceOrConflict(stored: StoredWorkitem, after: WorkitemRecord, what: string): Promise<void> {
  try {
    await replaceWorkitem(stored, after);
  } catch (error) {
    if (error instanceof ConcurrentWorkitemChange) throw new WorkitemError(409, CONFLICT);
    throw asServiceUnavailable(error, what);
  }
}

function withState(record: WorkitemRecord, target: TargetState, transactionUid: string): WorkitemRecord {
  const dataset: DicomJsonDataset = { ...record.dataset, [T.ProcedureStepState]: { vr: 'CS', Value: [target] } };
  return { ...record, state: target, transactionUid, dataset };
}
