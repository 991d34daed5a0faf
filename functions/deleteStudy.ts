// DELETE /v{1,2}/studies/{study} — delete every instance of a study (Azure DICOM service extension to PS3.18).
import { deleteHttpResponse } from '../shared/delete/deleteHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { uidParam } from '../shared/http/uidParam';

export const deleteStudy: DicomWebHandler = async (_request, context, route) =>
  deleteHttpResponse({ studyInstanceUid: uidParam(route.params.study, 'StudyInstanceUID') }, context);

registerDicomWebRoute({
  partitioned: true,
  name: 'deleteStudy',
  route: 'studies/{study}',
  methods: ['DELETE'],
  handler: deleteStudy,
});
