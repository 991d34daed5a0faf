// POST /v{1,2}/extendedquerytags — add extended query tags and start their reindex (Azure DICOM service extension).
import { addTagsHttp } from '../shared/extendedQueryTags/tagHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';

export const addExtendedQueryTags: DicomWebHandler = (request, _context, route) => addTagsHttp(request, route);

registerDicomWebRoute({
  name: 'addExtendedQueryTags',
  route: 'extendedquerytags',
  methods: ['POST'],
  handler: addExtendedQueryTags,
});
