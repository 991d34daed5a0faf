// GET /v{1,2}/workitems/{workitem} — Retrieve Workitem (UPS-RS), PS3.18 11.5.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { retrieveWorkitemHttp } from '../shared/workitems/retrieveWorkitem';

export const retrieveWorkitem: DicomWebHandler = (request, _context, route) =>
  retrieveWorkitemHttp(request, route.params.workitem);

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveWorkitem',
  route: 'workitems/{workitem}',
  methods: ['GET'],
  handler: retrieveWorkitem,
  permission: 'read',
});
