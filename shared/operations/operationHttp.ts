/**
 * GET /v{n}/operations/{operationId}, as the Azure DICOM service answers it
 * (../shared/azure-api-reference.md section 10): 202 with Location while the operation is
 * notStarted or running, 200 once it ended, 404 with an empty body for an unknown, internal or
 * malformed id. v1 calls a succeeded operation `completed`.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getConfig } from '../config';
import type { ApiVersion } from '../http/apiVersion';
import { publicBaseUrl } from '../http/publicBaseUrl';
import { asServiceUnavailable } from '../storage/storageErrors';
import { operationIdFromRoute } from './operationId';
import { getOperation } from './operationRunner';
import { isInternalType, type OperationState } from './operationTypes';

export async function getOperationHttp(
  request: HttpRequest,
  apiVersion: ApiVersion,
  rawId: string | undefined,
): Promise<HttpResponseInit> {
  const id = operationIdFromRoute(rawId);
  if (!id) return { status: 404 };
  let operation: OperationState<unknown> | undefined;
  try {
    operation = await getOperation(id);
  } catch (error) {
    throw asServiceUnavailable(error, 'reading the operation');
  }
  if (!operation || isInternalType(operation.type)) return { status: 404 };
  const base = `${publicBaseUrl(request.url, getConfig().store.publicBaseUrl)}/${apiVersion}`;
  const active = operation.status === 'notStarted' || operation.status === 'running';
  return {
    status: active ? 202 : 200,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      ...(active ? { Location: `${base}/operations/${operation.id}` } : {}),
    },
    jsonBody: operationBody(operation, apiVersion, base),
  };
}

/** The response body: camelCase enums, absolute resource URLs, `completed` for v1's succeeded. */
export function operationBody(operation: OperationState<unknown>, apiVersion: ApiVersion, base: string): object {
  const succeeded = operation.status === 'succeeded';
  return {
    operationId: operation.id,
    type: operation.type,
    createdTime: operation.createdTime.toISOString(),
    lastUpdatedTime: operation.lastUpdatedTime.toISOString(),
    status: succeeded && apiVersion === 'v1' ? 'completed' : operation.status,
    percentComplete: succeeded ? 100 : operation.percentComplete,
    // Azure leaves out null properties; export and update have no resources.
    ...(operation.resources.length === 0
      ? {}
      : { resources: operation.resources.map((resource) => `${base}/${resource.replace(/^\/+/, '')}`) }),
    ...(operation.results === undefined ? {} : { results: operation.results }),
  };
}
