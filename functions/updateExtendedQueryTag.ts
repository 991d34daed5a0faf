// PATCH /v{1,2}/extendedquerytags/{tagPath} — enable or disable querying on a tag (Azure DICOM service extension).
import { updateTagHttp } from '../shared/extendedQueryTags/tagHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';

export const updateExtendedQueryTag: DicomWebHandler = (request, _context, route) => updateTagHttp(request, route);

registerDicomWebRoute({
  name: 'updateExtendedQueryTag',
  route: 'extendedquerytags/{tagPath}',
  methods: ['PATCH'],
  handler: updateExtendedQueryTag,
});
