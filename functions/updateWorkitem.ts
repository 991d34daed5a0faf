// POST /v{1,2}/workitems/{workitem}[?{transaction}] — Update Workitem (UPS-RS), PS3.18 11.6.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { updateWorkitemHttp } from '../shared/workitems/updateWorkitem';

export const updateWorkitem: DicomWebHandler = (request, _context, route) =>
  updateWorkitemHttp(request, route.apiVersion, route.params.workitem);

registerDicomWebRoute({
  partitioned: true,
  name: 'updateWorkitem',
  route: 'workitems/{workitem}',
  methods: ['POST'],
  handler: updateWorkitem,
  permission: 'write',
});
