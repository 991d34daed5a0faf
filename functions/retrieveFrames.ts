// GET /v{1,2}/studies/{study}/series/{series}/instances/{instance}/frames/{frames} — Retrieve Frames (WADO-RS), PS3.18 10.4.1.1.3.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { parseFrameList } from '../shared/retrieve/frameList';
import { retrieveFrames as retrieve } from '../shared/retrieve/frameRetrieve';
import { retrieveScope } from '../shared/retrieve/retrieveScope';

export const retrieveFrames: DicomWebHandler = (request, _context, route) => {
  const scope = retrieveScope(route.params, 'instance');
  return retrieve(scope, parseFrameList(route.params.frames), request.headers.get('accept'));
};

registerDicomWebRoute({
  partitioned: true,
  name: 'retrieveFrames',
  route: 'studies/{study}/series/{series}/instances/{instance}/frames/{frames}',
  methods: ['GET'],
  handler: retrieveFrames,
});
