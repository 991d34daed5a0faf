/** Frames converted on the pixel workers: compressed frames decoded, or frames encoded as JPEG 2000. */
import { Readable } from 'node:stream';
import type { HttpResponseInit } from '@azure/functions';
import { runPixelTask } from '../pixels/pixelWorkerPool';
import type { FrameSource } from '../pixels/pixelTasks';
import { readFrameBytes, readFrameSource, readImageHeader, type StoredImage } from '../pixels/storedImage';
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
  const decode = async (source: FrameSource): Promise<Buffer> => {
    const decoded = await runPixelTask({ kind: 'decodeFrame', target, ...source });
    return Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  };
  if (!multipart) {
    // One frame: the header and the frame together, in one range read when they are adjacent.
    const decoded = await decode(await readFrameSource(image, frames[0] ?? 1));
    return {
      status: 200,
      headers: { 'Content-Type': contentType, 'Content-Length': String(decoded.length) },
      body: decoded,
    };
  }
  const header = readImageHeader(image);
  header.catch(() => undefined);
  const boundary = newBoundary();
  const parts = frames.map((frame) => ({
    contentType,
    body: (async function* () {
      const [headerBytes, frameBytes] = await Promise.all([header, readFrameBytes(image, frame)]);
      yield await decode({ header: headerBytes, frame: frameBytes });
    })(),
  }));
  return {
    status: 200,
    headers: { 'Content-Type': multipartContentType(mediaType, boundary) },
    body: Readable.from(multipartBody(parts, boundary)),
  };
}
