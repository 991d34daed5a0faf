// DELETE /v{1,2}/studies/{study}/series/{series}/instances/{instance} — delete one instance.
import { deleteHttpResponse } from '../shared/delete/deleteHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { uidParam } from '../shared/http/uidParam';

export const deleteInstance: DicomWebHandler = async (_request, context, route) =>
  deleteHttpResponse(
    {
      studyInstanceUid: uidParam(route.params.study, 'StudyInstanceUID'),
      seriesInstanceUid: uidParam(route.params.series, 'SeriesInstanceUID'),
      sopInstanceUid: uidParam(route.params.instance, 'SOPInstanceUID'),
    },
    context,
  );

registerDicomWebRoute({
  partitioned: true,
  name: 'deleteInstance',
  route: 'studies/{study}/series/{series}/instances/{instance}',
  methods: ['DELETE'],
  handler: deleteInstance,
});
