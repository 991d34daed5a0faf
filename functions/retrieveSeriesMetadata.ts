// GET /v{1,2}/studies/{study}/series/{series}/metadata — Retrieve Series Metadata (WADO-RS), PS3.18 10.4.1.1.2.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { retrieveMetadata, metadataRequestFrom } from '../shared/retrieve/metadataRetrieve';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveSeriesMetadata: DicomWebHandler = (request, _context, route) =>
  retrieveMetadata(retrieveScope(route.params, 'series'), metadataRequestFrom(request));

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveSeriesMetadata',
  route: 'studies/{study}/series/{series}/metadata',
  methods: ['GET'],
  handler: retrieveSeriesMetadata,
});
