/**
 * Retrieve frames (WADO-RS, PS3.18 10.4.1.1.3): the pixel bytes of some frames of one instance,
 * each read with a Blob range request of just that frame, never the rest of the file.
 */
import { Readable } from 'node:stream';
import type { HttpResponseInit } from '@azure/functions';
import { getNumber, type DicomJsonDataset } from '../dicom/dicomJson';
import type { ByteRange } from '../dicom/frameIndex';
import { frameCountOf, frameRangesOf } from '../dicom/frameRanges';
import { Tag } from '../dicom/tags';
import { TransferSyntax, describeTransferSyntax } from '../dicom/transferSyntax';
import { NotAcceptableError, NotFoundError } from '../errors';
import { listVisibleInstances, type VisibleInstance } from '../storage/instanceQueries';
import { ensureStorage } from '../storage/provision';
import { frameValueBytes, openFrame, swapBytes } from './frameBytes';
import { negotiateFrames } from './frameNegotiation';
import { checkFrameResponseBytes } from './frameList';
import { fileBlobOf } from './instanceKeys';
import { frameIndexOf } from './storedFrameIndex';
import { isDecodableSyntax } from '../pixels/decodableSyntaxes';
import { decodedFramesResponse } from './decodedFrames';
import { isJpeg2000LosslessSource } from './syntaxPlan';
import { ORIGINAL_SYNTAX } from './instanceNegotiation';
import { partsWithLookahead } from './lookahead';
import { multipartBody, multipartContentType, multipartLength, newBoundary } from './multipartWriter';
import { notFound, type RetrieveScope } from './retrieveScope';

const JP2 = 'image/jp2';

interface FramePlan {
  /** The transfer syntax the parts are labelled with. */
  readonly transferSyntax: string;
  /** Big endian native frames sent as little endian are swapped by sample size. */
  readonly swapUnit: 2 | 4 | 8 | undefined;
  /** Compressed frames are decoded (on a pixel worker) to native little endian. */
  readonly decode?: boolean;
}

export async function retrieveFrames(
  scope: RetrieveScope,
  frames: readonly number[],
  accept: string | null,
): Promise<HttpResponseInit> {
  const representation = negotiateFrames(accept, frames.length);
  await ensureStorage();
  let instance: VisibleInstance | undefined;
  const columns = ['TransferSyntaxUID', 'Frames', 'FramesInBlob', 'QidoAttributes'];
  for await (const row of listVisibleInstances(scope, columns)) instance = row;
  if (!instance) throw notFound('instance');

  const index = await frameIndexOf(scope.studyInstanceUid, instance);
  if (!index)
    throw new NotFoundError(
      'The specified instance has no pixel data (or its frames are not indexed): it has no frames.',
    );
  const count = frameCountOf(index);
  const missing = frames.filter((frame) => frame > count);
  if (missing.length > 0) {
    throw new NotFoundError(
      `The specified frame cannot be found: frame ${missing.join(', ')} of an instance with ${count}.`,
    );
  }
  const stored = typeof instance.TransferSyntaxUID === 'string' ? instance.TransferSyntaxUID : '';
  const mediaType = representation.mediaType;
  const plan = planFrames(stored, representation.transferSyntax, mediaType, instance);
  const blobName = fileBlobOf(scope.studyInstanceUid, instance);
  const ranges = frames.map((frame) => frameRangesOf(index, frame));
  // Refused before any read: the index gives every frame's stored length, the measure converted
  // frames are held to as well (decoded ones are larger, JPEG 2000 ones are made from these).
  checkFrameResponseBytes(ranges.map(rangesLength));
  if (plan.decode) {
    const image = { blobName, index, frameCount: count, transferSyntax: stored };
    return decodedFramesResponse(image, frames, { ...representation, transferSyntax: plan.transferSyntax });
  }
  const contentType = `${mediaType}; transfer-syntax=${plan.transferSyntax}`;
  const bytesOf = (frameRanges: readonly ByteRange[], chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> => {
    const values = frameValueBytes(chunks, frameRanges);
    return plan.swapUnit ? swapBytes(values, plan.swapUnit) : values;
  };

  if (!representation.multipart) {
    const only = ranges[0] ?? [];
    const length = rangesLength(only);
    return {
      status: 200,
      headers: { 'Content-Type': contentType, 'Content-Length': String(length) },
      body: Readable.from(bytesOf(only, openFrame(blobName, only).chunks())),
    };
  }
  const boundary = newBoundary();
  const parts = partsWithLookahead(
    ranges,
    (frameRanges) => openFrame(blobName, frameRanges),
    (frameRanges, blob) => ({ contentType, body: bytesOf(frameRanges, blob.chunks()) }),
  );
  // Every part's length is its stored frame's (a swap keeps it): the body's is known before it is sent.
  const length = multipartLength(
    ranges.map((frameRanges) => ({ contentType, bytes: rangesLength(frameRanges) })),
    boundary,
  );
  return {
    status: 200,
    headers: { 'Content-Type': multipartContentType(mediaType, boundary), 'Content-Length': String(length) },
    body: Readable.from(multipartBody(parts, boundary)),
  };
}

function rangesLength(ranges: readonly ByteRange[]): number {
  return ranges.reduce((sum, range) => sum + range.length, 0);
}

/**
 * Frames as stored for `*` or the stored syntax. Native frames are the same bytes in every native
 * syntax, except that big endian samples wider than a byte need swapping; compressed frames are
 * decoded when Explicit VR Little Endian is asked for; anything else is 406.
 */
function planFrames(stored: string, requested: string, mediaType: string, instance: VisibleInstance): FramePlan {
  if (requested === ORIGINAL_SYNTAX || requested === stored) return { transferSyntax: stored, swapUnit: undefined };
  const info = describeTransferSyntax(stored);
  if (requested === TransferSyntax.ExplicitVRLittleEndian && !info.encapsulated && !info.deflated) {
    if (info.littleEndian) return { transferSyntax: requested, swapUnit: undefined };
    const bits = bitsAllocated(instance);
    const swapUnit = bits === 16 ? 2 : bits === 32 ? 4 : bits === 64 ? 8 : undefined;
    return { transferSyntax: requested, swapUnit };
  }
  if (requested === TransferSyntax.ExplicitVRLittleEndian && isDecodableSyntax(stored)) {
    return { transferSyntax: requested, swapUnit: undefined, decode: true };
  }
  // JPEG 2000 lossless frames are encoded from native or decodable frames, for image/jp2 only (as on Azure).
  if (mediaType === JP2 && requested === TransferSyntax.JPEG2000Lossless && isJpeg2000LosslessSource(stored)) {
    return { transferSyntax: requested, swapUnit: undefined, decode: true };
  }
  throw new NotAcceptableError(
    `The instance is stored in transfer syntax ${stored} and its frames cannot be converted to ${requested}; ` +
      'ask for transfer-syntax=* to receive them as stored.',
  );
}

function bitsAllocated(instance: VisibleInstance): number | undefined {
  if (typeof instance.QidoAttributes !== 'string') return undefined;
  return getNumber(JSON.parse(instance.QidoAttributes) as DicomJsonDataset, Tag.BitsAllocated);
}
