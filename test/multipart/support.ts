/** Helpers for the multipart reader tests: bodies as sources in chosen chunkings, and parts read whole. */
import { Readable } from 'node:stream';
import { readMultipart, type MultipartLimits } from '../../shared/multipart/multipartReader';

export interface ReadPart {
  readonly index: number;
  readonly headers: ReadonlyMap<string, string>;
  /** The part's Content-Type essence, if it had a valid one. */
  readonly type: string | undefined;
  readonly body: Buffer;
}

/** Bytes of a string written with `\xNN` escapes, one byte per character. */
export function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** `body` cut into chunks; `size` gives the length of chunk number i (at least 1). */
export function chunksOf(body: Buffer, size: number | ((i: number) => number)): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0, i = 0; start < body.length; i += 1) {
    const length = Math.max(1, typeof size === 'number' ? size : size(i));
    chunks.push(body.subarray(start, start + length));
    start += length;
  }
  return chunks;
}

/** A source that delivers exactly these chunks, one per read. */
export function sourceOf(chunks: readonly Buffer[]): Readable {
  return Readable.from(chunks);
}

/** Replays a failing chunking from its seed. */
export { seededRandom } from '../support/seededRandom';

/** Every part of `source`, each body read to its end. */
export async function readAll(
  source: Readable,
  boundary: string,
  limits: MultipartLimits = { maxParts: 1000 },
): Promise<ReadPart[]> {
  const parts: ReadPart[] = [];
  for await (const part of readMultipart(source, boundary, limits)) {
    parts.push({
      index: part.index,
      headers: part.headers,
      type: part.contentType?.essence,
      body: await readBody(part.body),
    });
  }
  return parts;
}

export async function readBody(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The error a promise rejects with (fails if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected a rejection');
}
