/** Writes a multipart/related body (RFC 2387, PS3.18 8.7.2) part by part, as the parts stream. */
import { randomBytes } from 'node:crypto';

export interface OutgoingPart {
  readonly contentType: string;
  readonly body: AsyncIterable<Buffer>;
}

export function newBoundary(): string {
  return `dicomweb-${randomBytes(16).toString('hex')}`;
}

/** `multipart/related; type="..."; boundary=...`: the response's Content-Type. */
export function multipartContentType(type: string, boundary: string): string {
  return `multipart/related; type="${type}"; boundary=${boundary}`;
}

/**
 * The body's bytes: each part's headers, then its body as it arrives, then the close delimiter.
 * Parts are consumed one at a time, so only the current part's chunk is in memory.
 */
export async function* multipartBody(
  parts: AsyncIterable<OutgoingPart> | Iterable<OutgoingPart>,
  boundary: string,
): AsyncGenerator<Buffer> {
  for await (const part of parts) {
    yield Buffer.from(`--${boundary}\r\nContent-Type: ${part.contentType}\r\n\r\n`, 'latin1');
    for await (const chunk of part.body) yield chunk;
    yield Buffer.from('\r\n', 'latin1');
  }
  yield Buffer.from(`--${boundary}--\r\n`, 'latin1');
}
