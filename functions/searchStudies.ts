// GET /v{1,2}/studies — Search for All Studies (QIDO-RS), PS3.18 10.6.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { searchHttp } from '../shared/search/searchService';

export const searchStudies: DicomWebHandler = (request, context, route) =>
  searchHttp('studies', request, context, route.params);

registerDicomWebRoute({
  partitioned: true,
  name: 'searchStudies',
  route: 'studies',
  methods: ['GET'],
  handler: searchStudies,
});
