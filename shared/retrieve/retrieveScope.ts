/** The resource a WADO-RS request names, read from its route parameters. */
import { NotFoundError } from '../errors';
import type { RouteParams } from '../http/routeParams';
import { uidParam } from '../http/uidParam';
import type { InstanceScope } from '../storage/instanceQueries';

export type RetrieveLevel = 'study' | 'series' | 'instance';

export interface RetrieveScope extends InstanceScope {
  readonly level: RetrieveLevel;
}

/** Validates the UIDs of the route (400 on a malformed one) for the given level. */
export function retrieveScope(params: RouteParams, level: RetrieveLevel): RetrieveScope {
  const studyInstanceUid = uidParam(params.study, 'StudyInstanceUID');
  if (level === 'study') return { level, studyInstanceUid };
  const seriesInstanceUid = uidParam(params.series, 'SeriesInstanceUID');
  if (level === 'series') return { level, studyInstanceUid, seriesInstanceUid };
  const sopInstanceUid = uidParam(params.instance, 'SOPInstanceUID');
  return { level, studyInstanceUid, seriesInstanceUid, sopInstanceUid };
}

/** 404 for a level with no visible instance, in the Azure DICOM service's words. */
export function notFound(level: RetrieveLevel): NotFoundError {
  return new NotFoundError(`The specified ${level} cannot be found.`);
}
