// DELETE /v{1,2}/studies/{study}/series/{series}/instances/{instance} — delete one instance.
import { deleteHttpResponse } from '../shared/delete/deleteHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { uidParam } from '../shared/http/uidParam';

export const deleteInstance: DicomWebHandler = async (request, context) =>
  deleteHttpResponse(
    {
      studyInstanceUid: uidParam(request.params.study, 'StudyInstanceUID'),
      seriesInstanceUid: uidParam(request.params.series, 'SeriesInstanceUID'),
      sopInstanceUid: uidParam(request.params.instance, 'SOPInstanceUID'),
    },
    context,
  );

registerDicomWebRoute({
  name: 'deleteInstance',
  route: 'studies/{study}/series/{series}/instances/{instance}',
  methods: ['DELETE'],
  handler: deleteInstance,
});
