// GET /v{1,2}/series — Search for All Series (QIDO-RS), PS3.18 10.6.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { searchHttp } from '../shared/search/searchService';

export const searchSeries: DicomWebHandler = (request, context, route) =>
  searchHttp('series', request, context, route.params);

registerDicomWebRoute({
  partitioned: true,
  name: 'searchSeries',
  route: 'series',
  methods: ['GET'],
  handler: searchSeries,
});
