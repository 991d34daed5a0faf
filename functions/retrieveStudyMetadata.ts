// GET /v{1,2}/studies/{study}/metadata — Retrieve Study Metadata (WADO-RS), PS3.18 10.4.1.1.2.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { retrieveMetadata, metadataRequestFrom } from '../shared/retrieve/metadataRetrieve';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveStudyMetadata: DicomWebHandler = (request, _context, route) =>
  retrieveMetadata(retrieveScope(route.params, 'study'), metadataRequestFrom(request));

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveStudyMetadata',
  route: 'studies/{study}/metadata',
  methods: ['GET'],
  handler: retrieveStudyMetadata,
});
