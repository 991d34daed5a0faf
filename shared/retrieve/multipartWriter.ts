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

const PART_END = '\r\n';

/**
 * The exact byte count multipartBody writes for parts of known sizes: with it the response carries
 * a Content-Length instead of chunked framing, which on every hop (the worker's proxy, the host,
 * the client) costs extra small writes per chunk.
 */
export function multipartLength(parts: readonly { contentType: string; bytes: number }[], boundary: string): number {
  let length = Buffer.byteLength(closeDelimiter(boundary), 'latin1');
  for (const part of parts) {
    length += Buffer.byteLength(partHeader(boundary, part.contentType), 'latin1') + part.bytes + PART_END.length;
  }
  return length;
}

function partHeader(boundary: string, contentType: string): string {
  return `--${boundary}\r\nContent-Type: ${contentType}\r\n\r\n`;
}

function closeDelimiter(boundary: string): string {
  return `--${boundary}--\r\n`;
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
    yield Buffer.from(partHeader(boundary, part.contentType), 'latin1');
    for await (const chunk of part.body) yield chunk;
    yield Buffer.from(PART_END, 'latin1');
  }
  yield Buffer.from(closeDelimiter(boundary), 'latin1');
}
