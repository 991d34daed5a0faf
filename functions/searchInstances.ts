// GET /v{1,2}/instances — Search for All Instances (QIDO-RS), PS3.18 10.6.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { searchHttp } from '../shared/search/searchService';

export const searchInstances: DicomWebHandler = (request, context, route) =>
  searchHttp('instances', request, context, route.params);

registerDicomWebRoute({
  partitioned: true,
  name: 'searchInstances',
  route: 'instances',
  methods: ['GET'],
  handler: searchInstances,
});
