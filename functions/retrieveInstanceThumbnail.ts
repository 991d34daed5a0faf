// GET /v{1,2}/studies/{study}/series/{series}/instances/{instance}/thumbnail — Retrieve Instance Thumbnail (PS3.18 10.4.1.1.5): a small JPEG of a representative frame.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { retrieveThumbnail } from '../shared/rendered/thumbnailRetrieve';
import { renderedAccept } from '../shared/rendered/renderedNegotiation';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveInstanceThumbnail: DicomWebHandler = (request, _context, route) =>
  retrieveThumbnail(retrieveScope(route.params, 'instance'), renderedAccept(request), request.query);

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveInstanceThumbnail',
  route: 'studies/{study}/series/{series}/instances/{instance}/thumbnail',
  methods: ['GET'],
  handler: retrieveInstanceThumbnail,
});
