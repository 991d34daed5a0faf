// DELETE /v{1,2}/studies/{study}/series/{series} — delete every instance of a series.
import { deleteHttpResponse } from '../shared/delete/deleteHttp';
import { registerDicomWebRoute, type DicomWebHandler } from '../shared/http/routeTable';
import { uidParam } from '../shared/http/uidParam';

export const deleteSeries: DicomWebHandler = async (_request, context, route) =>
  deleteHttpResponse(
    {
      studyInstanceUid: uidParam(route.params.study, 'StudyInstanceUID'),
      seriesInstanceUid: uidParam(route.params.series, 'SeriesInstanceUID'),
    },
    context,
  );

registerDicomWebRoute({
  partitioned: true,
  name: 'deleteSeries',
  route: 'studies/{study}/series/{series}',
  methods: ['DELETE'],
  handler: deleteSeries,
});
