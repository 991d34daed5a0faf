// GET /v{1,2}/studies/{study}/series/{series}/instances/{instance}/metadata — Retrieve Instance Metadata (WADO-RS), PS3.18 10.4.1.1.2.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { retrieveMetadata, metadataRequestFrom } from '../shared/retrieve/metadataRetrieve';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveInstanceMetadata: DicomWebHandler = (request, _context, route) =>
  retrieveMetadata(retrieveScope(route.params, 'instance'), metadataRequestFrom(request));

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveInstanceMetadata',
  route: 'studies/{study}/series/{series}/instances/{instance}/metadata',
  methods: ['GET'],
  handler: retrieveInstanceMetadata,
});
