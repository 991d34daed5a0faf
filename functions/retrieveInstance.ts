// GET /v{1,2}/studies/{study}/series/{series}/instances/{instance} — Retrieve Instance (WADO-RS), PS3.18 10.4.1.1.1.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { retrieveInstances } from '../shared/retrieve/instanceRetrieve';
import { requestsOriginal } from '../shared/retrieve/originalVersion';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveInstance: DicomWebHandler = (request, _context, route) =>
  retrieveInstances(retrieveScope(route.params, 'instance'), request.headers.get('accept'), requestsOriginal(request));

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveInstance',
  route: 'studies/{study}/series/{series}/instances/{instance}',
  methods: ['GET'],
  handler: retrieveInstance,
});
