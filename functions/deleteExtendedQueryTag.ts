// DELETE /v{1,2}/extendedquerytags/{tagPath} — delete a tag; its index entries go in the background (Azure DICOM service extension).
import { deleteTagHttp } from '../shared/extendedQueryTags/tagHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';

export const deleteExtendedQueryTag: DicomWebHandler = (request, _context, route) => deleteTagHttp(request, route);

registerDicomWebRoute({
  name: 'deleteExtendedQueryTag',
  route: 'extendedquerytags/{tagPath}',
  methods: ['DELETE'],
  handler: deleteExtendedQueryTag,
});
