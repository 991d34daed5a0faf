// PUT /v2/studies/{study} — Upsert instances of one study (Azure's managed service; v2 only).
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { uidParam } from '../shared/http/uidParam';
import { storeInstances } from '../shared/store/storeService';
import { stowHttpResponse, stowRequestFrom } from '../shared/store/stowHttp';

export const upsertInstancesInStudy: DicomWebHandler = async (request, context, route) => {
  const study = uidParam(route.params.study, 'StudyInstanceUID');
  return stowHttpResponse(await storeInstances({ ...stowRequestFrom(request, context, route, study), upsert: true }));
};

registerDicomWebRoute({
  name: 'upsertInstancesInStudy',
  route: 'studies/{study}',
  methods: ['PUT'],
  versions: ['v2'],
  partitioned: true,
  handler: upsertInstancesInStudy,
});
