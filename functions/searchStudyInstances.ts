// GET /v{1,2}/studies/{study}/instances — Search for Study's Instances (QIDO-RS), PS3.18 10.6.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { searchHttp } from '../shared/search/searchService';

export const searchStudyInstances: DicomWebHandler = (request, context, route) =>
  searchHttp('studyInstances', request, context, route.params);

registerDicomWebRoute({
  partitioned: true,
  name: 'searchStudyInstances',
  route: 'studies/{study}/instances',
  methods: ['GET'],
  handler: searchStudyInstances,
});
