// GET /v{1,2}/changefeed/latest — the newest change-feed entry; 204 when there is none.
import { jsonResponse, noContentResponse } from '../shared/changefeed/changeFeedHttp';
import { parseIncludeMetadata } from '../shared/changefeed/changeFeedQuery';
import { readLatestChange } from '../shared/changefeed/changeFeedService';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';

export const changeFeedLatest: DicomWebHandler = async (request) => {
  const latest = await readLatestChange(parseIncludeMetadata(request.query));
  return latest ? jsonResponse(latest) : noContentResponse();
};

registerDicomWebRoute({
  name: 'changeFeedLatest',
  route: 'changefeed/latest',
  methods: ['GET'],
  handler: changeFeedLatest,
});
