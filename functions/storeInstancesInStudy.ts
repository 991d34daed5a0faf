// POST /v{1,2}/studies/{study} — Store Instances of one study (STOW-RS), PS3.18 10.5.
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { uidParam } from '../shared/http/uidParam';
import { storeInstances } from '../shared/store/storeService';
import { stowHttpResponse, stowRequestFrom } from '../shared/store/stowHttp';

export const storeInstancesInStudy: DicomWebHandler = async (request, context, route) => {
  const study = uidParam(route.params.study, 'StudyInstanceUID');
  return stowHttpResponse(await storeInstances(stowRequestFrom(request, context, route, study)));
};

registerDicomWebRoute({
  partitioned: true,
  createsPartition: true,
  name: 'storeInstancesInStudy',
  route: 'studies/{study}',
  methods: ['POST'],
  handler: storeInstancesInStudy,
});
