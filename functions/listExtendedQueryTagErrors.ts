// GET /v{1,2}/extendedquerytags/{tagPath}/errors — a tag's reindex errors (Azure DICOM service extension).
import { listTagErrorsHttp } from '../shared/extendedQueryTags/tagHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';

export const listExtendedQueryTagErrors: DicomWebHandler = (request, _context, route) =>
  listTagErrorsHttp(request, route);

registerDicomWebRoute({
  name: 'listExtendedQueryTagErrors',
  route: 'extendedquerytags/{tagPath}/errors',
  methods: ['GET'],
  handler: listExtendedQueryTagErrors,
});
