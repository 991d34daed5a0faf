// GET /v{1,2}/extendedquerytags — list extended query tags (Azure DICOM service extension).
import { listTagsHttp } from '../shared/extendedQueryTags/tagHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';

export const listExtendedQueryTags: DicomWebHandler = (request, _context, route) => listTagsHttp(request, route);

registerDicomWebRoute({
  name: 'listExtendedQueryTags',
  route: 'extendedquerytags',
  methods: ['GET'],
  handler: listExtendedQueryTags,
});
