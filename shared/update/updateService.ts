/**
 * `POST /v2[/partitions/{name}]/studies/$bulkUpdate`: validates the request and starts the update
 * operation (docs/bulk-update.md). Answers as Azure does: 202 `{id, href}` without Location; 409
 * while another update operation (of any partition) is active; v1 an empty 404.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getConfig } from '../config';
import { ConflictError } from '../errors';
import type { ApiVersion } from '../http/apiVersion';
import { readJsonRequestBody } from '../http/jsonRequestBody';
import { publicBaseUrl } from '../http/publicBaseUrl';
import { findActiveOperation, startOperation } from '../operations/operationRunner';
import { currentPartition } from '../partitions/partitionContext';
import { ensureStorage } from '../storage/provision';
import type { UpdateCheckpoint } from './updateOperation';
import { MAX_UPDATE_BODY_BYTES, parseUpdateSpecification } from './updateSpecification';

export async function startBulkUpdate(request: HttpRequest, apiVersion: ApiVersion): Promise<HttpResponseInit> {
  if (apiVersion === 'v1') return { status: 404 };
  const parsed = parseUpdateSpecification(await readJsonRequestBody(request, MAX_UPDATE_BODY_BYTES));
  if (parsed.kind === 'invalidAttributes') {
    return { status: 400, headers: { 'content-type': 'application/dicom+json' }, jsonBody: parsed.body };
  }
  await ensureStorage();
  const active = await findActiveOperation('update');
  if (active) throw new ConflictError(`There is already an active update operation with ID '${active.id}'.`);
  const checkpoint: UpdateCheckpoint = {
    partition: currentPartition().name,
    studyInstanceUids: parsed.specification.studyInstanceUids,
    changes: parsed.specification.changes,
    next: 0,
    studyUpdated: 0,
    studyFailed: 0,
    instanceUpdated: 0,
    errors: [],
  };
  const operation = await startOperation('update', checkpoint, []);
  const href = `${publicBaseUrl(request.url, getConfig().store.publicBaseUrl)}/${apiVersion}/operations/${operation.id}`;
  return { status: 202, jsonBody: { id: operation.id, href } };
}
