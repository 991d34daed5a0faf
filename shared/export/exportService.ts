/**
 * `POST /v{n}/export`: checks the specification and the destination (the container must exist,
 * as Azure checks before answering), keeps the specification, and starts the export operation.
 * Answers 202 with `{id, href}` and a Location header, as Azure does.
 */
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { getConfig } from '../config';
import type { ApiVersion } from '../http/apiVersion';
import { readJsonRequestBody } from '../http/jsonRequestBody';
import { publicBaseUrl } from '../http/publicBaseUrl';
import { startOperation } from '../operations/operationRunner';
import { currentPartition } from '../partitions/partitionContext';
import { checkDestination, destinationContainer, type ExportDestinationPolicy } from './exportDestination';
import type { ExportCheckpoint } from './exportOperation';
import { MAX_EXPORT_BODY_BYTES, parseExportSpecification } from './exportSpecification';
import { saveExportSpecification } from './exportSpecStore';

/** Azure's defaults (AllowSasTokens, AllowPublicAccess): both true. */
const DESTINATION_POLICY: ExportDestinationPolicy = { allowSasTokens: true, allowPublicAccess: true };

export async function startExport(request: HttpRequest, apiVersion: ApiVersion): Promise<HttpResponseInit> {
  // Azure answers a disabled export with an empty 404, as if the route did not exist.
  if (!getConfig().export.enabled) return { status: 404 };
  const specification = parseExportSpecification(
    await readJsonRequestBody(request, MAX_EXPORT_BODY_BYTES),
    DESTINATION_POLICY,
  );
  await checkDestination(destinationContainer(specification.destination));
  const checkpoint: ExportCheckpoint = {
    partition: currentPartition().name,
    specification: await saveExportSpecification(specification),
    next: 0,
    exported: 0,
    skipped: 0,
  };
  const operation = await startOperation('export', checkpoint, []);
  const href = `${publicBaseUrl(request.url, getConfig().store.publicBaseUrl)}/${apiVersion}/operations/${operation.id}`;
  return { status: 202, headers: { location: href }, jsonBody: { id: operation.id, href } };
}
