// PUT /v2/studies — Upsert instances (Azure's managed service; v2 only): STOW-RS that replaces.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { storeInstances as store } from '../shared/store/storeService';
import { stowHttpResponse, stowRequestFrom } from '../shared/store/stowHttp';

export const upsertInstances: DicomWebHandler = async (request, context, route) =>
  stowHttpResponse(await store({ ...stowRequestFrom(request, context, route, undefined), upsert: true }));

registerDicomWebRoute({
  name: 'upsertInstances',
  route: 'studies',
  methods: ['PUT'],
  versions: ['v2'],
  partitioned: true,
  handler: upsertInstances,
});
