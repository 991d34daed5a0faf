/**
 * Reads a small JSON request body (operations' specifications: export, bulk update, extended query
 * tags) with a byte limit, so a hostile body costs at most `maxBytes` of memory and one parse.
 */
import type { HttpRequest } from '@azure/functions';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';
import { parseMediaType } from './mediaType';

export const APPLICATION_JSON = 'application/json';

/** The parsed body; 415 unless `application/json`, 413 above `maxBytes`, 400 when it is not JSON. */
export async function readJsonRequestBody(request: HttpRequest, maxBytes: number): Promise<unknown> {
  const type = parseMediaType(request.headers.get('content-type'));
  if (type?.essence !== APPLICATION_JSON) {
    throw new UnsupportedMediaTypeError(`The request body must be ${APPLICATION_JSON}.`);
  }
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const body = request.body as WebReadableStream<Uint8Array> | null;
  const chunks: Buffer[] = [];
  let total = 0;
  if (body) {
    for await (const chunk of body) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      chunks.push(Buffer.from(chunk));
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // Azure's words for a JsonException (DicomApiResource.resx).
    throw new BadRequestError('The syntax of the request body is invalid.');
  }
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`This request body may hold at most ${maxBytes} bytes.`);
}
