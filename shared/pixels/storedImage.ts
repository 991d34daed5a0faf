/**
 * An instance's pixels as stored: where its frames are, and reading one frame with the attributes
 * before its pixel data, each with one Blob range read, never the rest of the file.
 */
import type { StoredFrameIndex } from '../dicom/frameIndex';
import { frameCountOf, frameRangesOf } from '../dicom/frameRanges';
import { NotAcceptableError, NotFoundError } from '../errors';
import { listVisibleInstances, type VisibleInstance } from '../storage/instanceQueries';
import { ensureStorage } from '../storage/provision';
import { readBlobRange } from '../retrieve/blobReads';
import { frameValueBytes, openFrame } from '../retrieve/frameBytes';
import { fileBlobOf } from '../retrieve/instanceKeys';
import { notFound, type RetrieveScope } from '../retrieve/retrieveScope';
import { FRAME_INDEX_COLUMNS, frameIndexOf } from '../retrieve/storedFrameIndex';
import type { FrameSource } from './pixelTasks';

/**
 * Most bytes before the pixel data that a render reads: the attributes (a store keeps at most
 * DICOM_MAX_HEADER_BYTES of them before the identifiers) plus the offset table.
 */
export const MAX_IMAGE_HEADER_BYTES = 64 * 1024 * 1024;

export interface StoredImage {
  readonly blobName: string;
  readonly index: StoredFrameIndex;
  readonly frameCount: number;
  readonly transferSyntax: string;
}

const COLUMNS = ['TransferSyntaxUID', ...FRAME_INDEX_COLUMNS];

/** The one instance of an instance-level scope, with its frames: 404 when it or its pixels are missing. */
export async function findStoredImage(scope: RetrieveScope): Promise<StoredImage> {
  await ensureStorage();
  let instance: VisibleInstance | undefined;
  for await (const row of listVisibleInstances(scope, COLUMNS)) instance = row;
  if (!instance) throw notFound('instance');
  const image = await storedImageOf(scope.studyInstanceUid, instance);
  if (!image) throw new NotFoundError('The specified frame cannot be found: the instance has no pixel data.');
  return image;
}

/** The first instance of a scope that has pixel data (a thumbnail's source), or a 404. */
export async function findFirstStoredImage(scope: RetrieveScope, maxInstances = 50): Promise<StoredImage> {
  await ensureStorage();
  let seen = 0;
  for await (const instance of listVisibleInstances(scope, COLUMNS)) {
    const image = await storedImageOf(scope.studyInstanceUid, instance);
    if (image) return image;
    seen += 1;
    if (seen >= maxInstances) break;
  }
  if (seen === 0) throw notFound(scope.level);
  throw new NotFoundError(`The specified ${scope.level} has no instance with pixel data.`);
}

async function storedImageOf(study: string, instance: VisibleInstance): Promise<StoredImage | undefined> {
  const index = await frameIndexOf(study, instance);
  if (!index) return undefined;
  const frameCount = frameCountOf(index);
  if (frameCount === 0) return undefined;
  const transferSyntax = typeof instance.TransferSyntaxUID === 'string' ? instance.TransferSyntaxUID : '';
  return { blobName: fileBlobOf(study, instance), index, frameCount, transferSyntax };
}

/** 404 for a frame number past the instance's frames, in the Azure DICOM service's words. */
function checkFrameNumber(image: StoredImage, frame: number): void {
  if (frame > image.frameCount) {
    throw new NotFoundError(
      `The specified frame cannot be found: frame ${frame} of an instance with ${image.frameCount}.`,
    );
  }
}

/** File offset of the first pixel value: everything before it is the header a codec needs. */
function pixelValuesStart(index: StoredFrameIndex): number {
  if (index.kind === 'native') return index.offset;
  if (index.kind === 'fragments') return index.first;
  return index.frames[0]?.[0]?.offset ?? 0;
}

/** The header and one frame (1-based) of a stored image, read concurrently. */
export async function readFrameSource(image: StoredImage, frame: number): Promise<FrameSource> {
  checkFrameNumber(image, frame);
  const start = pixelValuesStart(image.index);
  const ranges = frameRangesOf(image.index, frame);
  const first = ranges[0];
  const last = ranges[ranges.length - 1];
  // A frame that starts within a few KiB of the header (the first frame, mostly) comes with it in
  // one range read: one storage round trip instead of two.
  if (first && last && first.offset - start <= ADJACENT_FRAME_GAP && start <= MAX_IMAGE_HEADER_BYTES) {
    const span = await readBlobRange(image.blobName, 0, last.offset + last.length);
    const parts = ranges.map((range) => span.subarray(range.offset, range.offset + range.length));
    return { header: span.subarray(0, start), frame: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts) };
  }
  const [header, frameBytes] = await Promise.all([readImageHeader(image), readFrameBytes(image, frame)]);
  return { header, frame: frameBytes };
}

/** Most bytes between the header and a frame (offset table, item headers) read rather than skipped. */
const ADJACENT_FRAME_GAP = 64 * 1024;

/** Every byte of the file before its first pixel value: the attributes a codec needs. */
export async function readImageHeader(image: StoredImage): Promise<Buffer> {
  const start = pixelValuesStart(image.index);
  if (start > MAX_IMAGE_HEADER_BYTES) {
    throw new NotAcceptableError(
      `The instance has ${start} bytes before its pixel data, above the ${MAX_IMAGE_HEADER_BYTES} that are read to convert a frame. ` +
        "Retrieve the frames in their stored transfer syntax by specifying 'transfer-syntax=*' in the Accept header.",
    );
  }
  return readBlobRange(image.blobName, 0, start);
}

/** One frame's pixel bytes as stored (its fragments' values joined). */
export function readFrameBytes(image: StoredImage, frame: number): Promise<Buffer> {
  const ranges = frameRangesOf(image.index, frame);
  return collect(frameValueBytes(openFrame(image.blobName, ranges).chunks(), ranges));
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}
