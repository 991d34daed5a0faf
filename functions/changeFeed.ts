// GET /v{1,2}/changefeed — read the change feed (Azure DICOM service API, docs/concepts/change-feed.md).
import { jsonResponse } from '../shared/changefeed/changeFeedHttp';
import { parseChangeFeedQuery } from '../shared/changefeed/changeFeedQuery';
import { readChangeFeed } from '../shared/changefeed/changeFeedService';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';

export const changeFeed: DicomWebHandler = async (request, _context, route) =>
  jsonResponse(await readChangeFeed(parseChangeFeedQuery(request.query, route.apiVersion)));

registerDicomWebRoute({ name: 'changeFeed', route: 'changefeed', methods: ['GET'], handler: changeFeed });
