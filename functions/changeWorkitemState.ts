// PUT /v{1,2}/workitems/{workitem}/state — Change Workitem State (UPS-RS), PS3.18 11.7.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { changeWorkitemStateHttp } from '../shared/workitems/changeWorkitemState';

export const changeWorkitemState: DicomWebHandler = (request, _context, route) =>
  changeWorkitemStateHttp(request, route.params.workitem);

registerDicomWebRoute({
  partitioned: true,
  name: 'changeWorkitemState',
  route: 'workitems/{workitem}/state',
  methods: ['PUT'],
  handler: changeWorkitemState,
  permission: 'write',
});
