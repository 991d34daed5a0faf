/** Reading an instance's frame index back from storage. */
import type { StoredFrameIndex } from '../dicom/frameIndex';
import type { VisibleInstance } from '../storage/instanceQueries';
import { readBlobText } from './blobReads';
import { framesBlobOf } from './instanceKeys';

/** The columns of an instance row that frameIndexOf reads. */
export const FRAME_INDEX_COLUMNS = ['Frames', 'FramesInBlob'];

/** The stored frame index: the flat format, or the per-fragment objects of earlier releases. */
export async function frameIndexOf(study: string, instance: VisibleInstance): Promise<StoredFrameIndex | undefined> {
  if (instance.FramesInBlob === true)
    return JSON.parse(await readBlobText(framesBlobOf(study, instance))) as StoredFrameIndex;
  return typeof instance.Frames === 'string' ? (JSON.parse(instance.Frames) as StoredFrameIndex) : undefined;
}
