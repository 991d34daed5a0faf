import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { NotFoundError } from '../errors';
import type { DeleteScope } from './deleteScope';
import { deleteInstances } from './deleteService';

/**
 * Runs a delete and maps its outcome: 204 with no body when something was deleted (the Azure
 * DICOM service's conformance statement: "the status code is the only useful information"),
 * 404 when the scope holds no visible instance.
 */
export async function deleteHttpResponse(scope: DeleteScope, context: InvocationContext): Promise<HttpResponseInit> {
  const outcome = await deleteInstances(scope, (message) => context.warn(message));
  if (outcome.found === 0) throw new NotFoundError(notFoundMessage(scope));
  return { status: 204 };
}

function notFoundMessage(scope: DeleteScope): string {
  if (scope.sopInstanceUid !== undefined) return 'The specified instance cannot be found.';
  if (scope.seriesInstanceUid !== undefined) return 'The specified series cannot be found.';
  return 'The specified study cannot be found.';
}
