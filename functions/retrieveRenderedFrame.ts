// GET /v{1,2}/studies/{study}/series/{series}/instances/{instance}/frames/{frame}/rendered — Retrieve Rendered Frame (PS3.18 10.4.1.1.4) as JPEG or PNG.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { parseRenderedFrame } from '../shared/rendered/renderedFrame';
import { retrieveRendered } from '../shared/rendered/renderedRetrieve';
import { renderedAccept } from '../shared/rendered/renderedNegotiation';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveRenderedFrame: DicomWebHandler = (request, _context, route) =>
  retrieveRendered(
    retrieveScope(route.params, 'instance'),
    parseRenderedFrame(route.params.frame),
    renderedAccept(request),
    request.query,
  );

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveRenderedFrame',
  route: 'studies/{study}/series/{series}/instances/{instance}/frames/{frame}/rendered',
  methods: ['GET'],
  handler: retrieveRenderedFrame,
});
