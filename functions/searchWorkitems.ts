// GET /v{1,2}/workitems?... — Search Workitems (UPS-RS), PS3.18 11.9.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { searchWorkitemsHttp } from '../shared/workitems/searchWorkitems';

export const searchWorkitems: DicomWebHandler = (request, context) => searchWorkitemsHttp(request, context);

registerDicomWebRoute({
  partitioned: true,
  name: 'searchWorkitems',
  route: 'workitems',
  methods: ['GET'],
  handler: searchWorkitems,
  permission: 'read',
});
