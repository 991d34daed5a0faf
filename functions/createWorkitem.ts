// POST /v{1,2}/workitems[?{workitem}] — Create Workitem (UPS-RS), PS3.18 11.4.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { createWorkitemHttp } from '../shared/workitems/createWorkitem';

export const createWorkitem: DicomWebHandler = (request, _context, route) =>
  createWorkitemHttp(request, route.apiVersion);

registerDicomWebRoute({
  partitioned: true,
  createsPartition: true,
  name: 'createWorkitem',
  route: 'workitems',
  methods: ['POST'],
  handler: createWorkitem,
  permission: 'write',
});
