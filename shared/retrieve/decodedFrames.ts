/** Frames converted on the pixel workers: compressed frames decoded, or frames encoded as JPEG 2000. */
import { Readable } from 'node:stream';
import type { HttpResponseInit } from '@azure/functions';
import { runPixelTask } from '../pixels/pixelWorkerPool';
import { readFrameBytes, readImageHeader, type StoredImage } from '../pixels/storedImage';
import type { FrameRepresentation } from './frameNegotiation';
import { multipartBody, multipartContentType, newBoundary } from './multipartWriter';

/**
 * Compressed frames decoded one at a time on a pixel worker, the header (the attributes a codec
 * needs) read once. A single frame is decoded before the status is sent, so its failure is a 406;
 * in a multipart response a failure ends the stream.
 */
export async function decodedFramesResponse(
  image: StoredImage,
  frames: readonly number[],
  representation: FrameRepresentation,
): Promise<HttpResponseInit> {
  const { multipart, mediaType, transferSyntax: target } = representation;
  const contentType = `${mediaType}; transfer-syntax=${target}`;
  const header = readImageHeader(image);
  header.catch(() => undefined);
  const decode = async (frame: number): Promise<Buffer> => {
    const [headerBytes, frameBytes] = await Promise.all([header, readFrameBytes(image, frame)]);
    const decoded = await runPixelTask({ kind: 'decodeFrame', header: headerBytes, frame: frameBytes, target });
    return Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  };
  if (!multipart) {
    const decoded = await decode(frames[0] ?? 1);
    return {
      status: 200,
      headers: { 'Content-Type': contentType, 'Content-Length': String(decoded.length) },
      body: decoded,
    };
  }
  const boundary = newBoundary();
  const parts = frames.map((frame) => ({
    contentType,
    body: (async function* () {
      yield await decode(frame);
    })(),
  }));
  return {
    status: 200,
    headers: { 'Content-Type': multipartContentType(mediaType, boundary) },
    body: Readable.from(multipartBody(parts, boundary)),
  };
}
