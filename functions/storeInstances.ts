// POST /v{1,2}/studies — Store Instances (STOW-RS), PS3.18 10.5.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { storeInstances as store } from '../shared/store/storeService';
import { stowHttpResponse, stowRequestFrom } from '../shared/store/stowHttp';

export const storeInstances: DicomWebHandler = async (request, context, route) =>
  stowHttpResponse(await store(stowRequestFrom(request, context, route, undefined)));

registerDicomWebRoute({
  partitioned: true,
  createsPartition: true,
  name: 'storeInstances',
  route: 'studies',
  methods: ['POST'],
  handler: storeInstances,
});
