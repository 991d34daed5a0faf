// GET /v{1,2}/studies/{study}/series/{series}/thumbnail — Retrieve Series Thumbnail (PS3.18 10.4.1.1.5): a small JPEG of a representative frame.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { retrieveThumbnail } from '../shared/rendered/thumbnailRetrieve';
import { renderedAccept } from '../shared/rendered/renderedNegotiation';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveSeriesThumbnail: DicomWebHandler = (request, _context, route) =>
  retrieveThumbnail(retrieveScope(route.params, 'series'), renderedAccept(request), request.query);

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveSeriesThumbnail',
  route: 'studies/{study}/series/{series}/thumbnail',
  methods: ['GET'],
  handler: retrieveSeriesThumbnail,
});
