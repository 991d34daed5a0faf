// GET /v{1,2}/studies/{study}/series — Search for Study's Series (QIDO-RS), PS3.18 10.6.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { searchHttp } from '../shared/search/searchService';

export const searchStudySeries: DicomWebHandler = (request, context, route) =>
  searchHttp('studySeries', request, context, route.params);

registerDicomWebRoute({
  partitioned: true,
  name: 'searchStudySeries',
  route: 'studies/{study}/series',
  methods: ['GET'],
  handler: searchStudySeries,
});
