/**
 * Streams the parts of a multipart body (STOW-RS, PS3.18 10.5: `multipart/related;
 * type="application/dicom"`), whatever the client: cURL's and urllib3's form-data part headers,
 * quoted or unquoted parameters, a preamble or leading CRLF, LF-only line ends, transport padding,
 * an epilogue. No part is ever held whole in memory.
 */
import type { Readable } from 'node:stream';
import { parseMediaType, type MediaType } from '../http/mediaType';
import { assertValidBoundary } from './boundary';
import { MultipartFramer, type FramerLimits } from './multipartFramer';
import { MultipartPump } from './multipartPump';
import { PartBody } from './partBody';

export { boundaryFromContentType } from './boundary';

export interface MultipartLimits {
  /** Most parts accepted; one more is a 400. */
  readonly maxParts: number;
  /** Largest header block of one part, in bytes. Default 16 KiB. */
  readonly maxHeaderBytes?: number;
  /**
   * Most bytes before the first boundary line. Default 64 KiB: a body whose boundary does not
   * match its Content-Type fails at once, not after gigabytes.
   */
  readonly maxPreambleBytes?: number;
}

export interface MultipartPart {
  /** 0 for the first part. */
  readonly index: number;
  /** Lower-case names; repeated headers joined with `, `. */
  readonly headers: ReadonlyMap<string, string>;
  /** The part's Content-Type, undefined when absent or malformed. */
  readonly contentType: MediaType | undefined;
  /** The part's bytes, streamed with backpressure. */
  readonly body: Readable;
}

const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
const DEFAULT_MAX_PREAMBLE_BYTES = 64 * 1024;

/**
 * Yields the parts of `body` one after the other. Read each part's body (or ignore it) before
 * asking for the next part: asking ends the current body, destroying it if it was not read to
 * its end, and skips its remaining bytes.
 *
 * Broken framing (no boundary, a header block over the limit, too many parts, invalid header
 * lines) throws a BadRequestError; a body that stops before its closing delimiter, or a source
 * that fails, a RequestAbortedError (a DicomWebError from the source, such as a byte limit,
 * passes through). The error destroys the part body being read, is thrown by the generator, and
 * the source is destroyed. Leaving the loop early destroys the source too.
 */
export async function* readMultipart(
  body: Readable,
  boundary: string,
  limits: MultipartLimits,
): AsyncGenerator<MultipartPart, void, undefined> {
  let current: PartBody | undefined;
  let completed = false;
  try {
    assertValidBoundary(boundary);
    const pump = new MultipartPump(body, new MultipartFramer(boundary, resolveLimits(limits)));
    for (;;) {
      const next = await pump.nextPart();
      if (next === undefined) break;
      current = new PartBody(pump, next.index);
      yield {
        index: next.index,
        headers: next.headers,
        contentType: parseMediaType(next.headers.get('content-type')),
        body: current,
      };
      // The consumer has moved on: whatever it left of this body is skipped by nextPart.
      if (!current.readableEnded) current.destroy();
    }
    completed = true;
  } finally {
    if (!completed) {
      current?.destroy();
      body.destroy();
    }
  }
}

function resolveLimits(limits: MultipartLimits): FramerLimits {
  const resolved: FramerLimits = {
    maxParts: limits.maxParts,
    maxHeaderBytes: limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES,
    maxPreambleBytes: limits.maxPreambleBytes ?? DEFAULT_MAX_PREAMBLE_BYTES,
  };
  for (const [name, value] of Object.entries(resolved)) {
    // Limits come from configuration, and a NaN would switch a check off without a word.
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`The multipart limit ${name} must be a non-negative integer, not ${String(value)}.`);
    }
  }
  return resolved;
}
