// GET /v{1,2}/studies/{study}/thumbnail — Retrieve Study Thumbnail (PS3.18 10.4.1.1.5): a small JPEG of a representative frame.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { retrieveThumbnail } from '../shared/rendered/thumbnailRetrieve';
import { renderedAccept } from '../shared/rendered/renderedNegotiation';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveStudyThumbnail: DicomWebHandler = (request, _context, route) =>
  retrieveThumbnail(retrieveScope(route.params, 'study'), renderedAccept(request), request.query);

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveStudyThumbnail',
  route: 'studies/{study}/thumbnail',
  methods: ['GET'],
  handler: retrieveStudyThumbnail,
});
