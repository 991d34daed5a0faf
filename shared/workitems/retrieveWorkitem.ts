/** Retrieve Workitem (PS3.18 11.5, N-GET): the dataset, never its Transaction UID. */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { WorkitemError } from '../errors';
import { ensureStorage } from '../storage/provision';
import { asServiceUnavailable } from '../storage/storageErrors';
import { DICOM_JSON } from './workitemBody';
import { requireDicomJsonAccept, requireUid } from './workitemHttp';
import type { StoredWorkitem } from './workitemRecord';
import { readWorkitem } from './workitemStore';

export const NOT_FOUND = 'The workitem instance is not found.';

export async function retrieveWorkitemHttp(
  request: HttpRequest,
  uidParam: string | undefined,
): Promise<HttpResponseInit> {
  requireDicomJsonAccept(request);
  const uid = requireUid(uidParam, 'workitem UID');
  const stored = await existingWorkitem(uid);
  // Stored datasets never hold the Transaction UID (datasetRules.withoutTransactionUid).
  return { status: 200, headers: { 'Content-Type': DICOM_JSON }, body: JSON.stringify(stored.record.dataset) };
}

/** The workitem, or a 404 WorkitemError. */
export async function existingWorkitem(uid: string): Promise<StoredWorkitem> {
  const stored = await readStored(uid);
  if (!stored) throw new WorkitemError(404, NOT_FOUND);
  return stored;
}

export async function readStored(uid: string): Promise<StoredWorkitem | undefined> {
  try {
    await ensureStorage();
    return await readWorkitem(uid);
  } catch (error) {
    throw asServiceUnavailable(error, 'read workitem');
  }
}
