// POST /v{1,2}[/partitions/{partitionName}]/export — Export (Azure DICOM service), copies studies, series or instances to a blob container.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { exportOperation } from '../shared/export/exportOperation';
import { startExport } from '../shared/export/exportService';
import { registerOperationHandler } from '../shared/operations/operationRunner';

export const exportInstances: DicomWebHandler = (request, _context, route) => startExport(request, route.apiVersion);

registerDicomWebRoute({
  name: 'exportInstances',
  route: 'export',
  methods: ['POST'],
  handler: exportInstances,
  partitioned: true,
});
registerOperationHandler(exportOperation);
