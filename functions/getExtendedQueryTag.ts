// GET /v{1,2}/extendedquerytags/{tagPath} — one extended query tag (Azure DICOM service extension).
import { getTagHttp } from '../shared/extendedQueryTags/tagHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';

export const getExtendedQueryTag: DicomWebHandler = (request, _context, route) => getTagHttp(request, route);

registerDicomWebRoute({
  name: 'getExtendedQueryTag',
  route: 'extendedquerytags/{tagPath}',
  methods: ['GET'],
  handler: getExtendedQueryTag,
});
