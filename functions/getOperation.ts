// GET /v{1,2}/operations/{operationId} — the status of a long-running operation (docs/operations.md).
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { getOperationHttp } from '../shared/operations/operationHttp';

export const getOperation: DicomWebHandler = (request, _context, route) =>
  getOperationHttp(request, route.apiVersion, route.params.operationId);

registerDicomWebRoute({
  name: 'getOperation',
  route: 'operations/{operationId}',
  methods: ['GET'],
  handler: getOperation,
  permission: 'read',
});
