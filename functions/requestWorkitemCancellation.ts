// POST /v{1,2}/workitems/{workitem}/cancelrequest — Request Cancellation (UPS-RS), PS3.18 11.8.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { requestCancellationHttp } from '../shared/workitems/requestCancellation';

export const requestWorkitemCancellation: DicomWebHandler = (request, _context, route) =>
  requestCancellationHttp(request, route.params.workitem);

registerDicomWebRoute({
  partitioned: true,
  name: 'requestWorkitemCancellation',
  route: 'workitems/{workitem}/cancelrequest',
  methods: ['POST'],
  handler: requestWorkitemCancellation,
  permission: 'write',
});
