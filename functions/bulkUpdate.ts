// POST /v2[/partitions/{partitionName}]/studies/$bulkUpdate — Bulk update (Azure DICOM service): changes patient and study attributes of whole studies as an operation.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { registerOperationHandler } from '../shared/operations/operationRunner';
import { updateOperation } from '../shared/update/updateOperation';
import { startBulkUpdate } from '../shared/update/updateService';

export const bulkUpdate: DicomWebHandler = (request, _context, route) => startBulkUpdate(request, route.apiVersion);

registerDicomWebRoute({
  name: 'bulkUpdate',
  // Registered for v1 too: Azure's v1 has the route and answers an empty 404.
  route: 'studies/$bulkUpdate',
  methods: ['POST'],
  handler: bulkUpdate,
  partitioned: true,
});
registerOperationHandler(updateOperation);
