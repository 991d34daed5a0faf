/** Blob names of a listed instance. */
import { fileBlobName, framesBlobName, metadataBlobName, type InstanceKey } from '../storage/blobLayout';
import type { VisibleInstance } from '../storage/instanceQueries';

function keyOf(studyInstanceUid: string, instance: VisibleInstance): InstanceKey {
  return {
    studyInstanceUid,
    seriesInstanceUid: instance.SeriesInstanceUID,
    sopInstanceUid: instance.SOPInstanceUID,
  };
}

export function fileBlobOf(studyInstanceUid: string, instance: VisibleInstance): string {
  return fileBlobName(keyOf(studyInstanceUid, instance), instance.Version);
}

export function metadataBlobOf(studyInstanceUid: string, instance: VisibleInstance): string {
  return metadataBlobName(keyOf(studyInstanceUid, instance), instance.Version);
}

export function framesBlobOf(studyInstanceUid: string, instance: VisibleInstance): string {
  return framesBlobName(keyOf(studyInstanceUid, instance), instance.Version);
}
