// GET /v{1,2}/studies/{study}/series/{series}/instances/{instance}/rendered — Retrieve Rendered Instance (PS3.18 10.4.1.1.4): its first frame as JPEG or PNG.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { retrieveRendered } from '../shared/rendered/renderedRetrieve';
import { renderedAccept } from '../shared/rendered/renderedNegotiation';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveRenderedInstance: DicomWebHandler = (request, _context, route) =>
  retrieveRendered(retrieveScope(route.params, 'instance'), 1, renderedAccept(request), request.query);

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveRenderedInstance',
  route: 'studies/{study}/series/{series}/instances/{instance}/rendered',
  methods: ['GET'],
  handler: retrieveRenderedInstance,
});
