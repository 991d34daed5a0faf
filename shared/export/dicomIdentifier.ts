/**
 * An export source value: `study`, `study/series` or `study/series/sop` (the Azure DICOM service's
 * DicomIdentifier), each UID checked before it becomes part of a blob name.
 */
import { isAddressableUid } from '../dicom/uid';
import { BadRequestError } from '../errors';
import type { InstanceScope } from '../storage/instanceQueries';

export type IdentifierLevel = 'study' | 'series' | 'instance';

export interface DicomIdentifier extends InstanceScope {
  readonly level: IdentifierLevel;
}

const LEVELS: readonly IdentifierLevel[] = ['study', 'series', 'instance'];

export function parseDicomIdentifier(value: unknown): DicomIdentifier {
  const uids = typeof value === 'string' ? value.split('/') : [];
  if (uids.length < 1 || uids.length > 3 || !uids.every(isAddressableUid)) {
    // Azure's words (DicomCoreResource.resx, InvalidDicomIdentifier).
    throw new BadRequestError(`The string '${String(value)}' was not recognized as a valid DICOM identifier.`);
  }
  const [studyInstanceUid, seriesInstanceUid, sopInstanceUid] = uids as [string, string?, string?];
  return { level: LEVELS[uids.length - 1] as IdentifierLevel, studyInstanceUid, seriesInstanceUid, sopInstanceUid };
}

export function formatDicomIdentifier(identifier: InstanceScope): string {
  return [identifier.studyInstanceUid, identifier.seriesInstanceUid, identifier.sopInstanceUid]
    .filter((uid) => uid !== undefined)
    .join('/');
}
