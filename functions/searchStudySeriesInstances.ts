// GET /v{1,2}/studies/{study}/series/{series}/instances — Search for Study Series' Instances (QIDO-RS), PS3.18 10.6.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { searchHttp } from '../shared/search/searchService';

export const searchStudySeriesInstances: DicomWebHandler = (request, context, route) =>
  searchHttp('studySeriesInstances', request, context, route.params);

registerDicomWebRoute({
  partitioned: true,
  name: 'searchStudySeriesInstances',
  route: 'studies/{study}/series/{series}/instances',
  methods: ['GET'],
  handler: searchStudySeriesInstances,
});
