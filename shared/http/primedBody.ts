import type { HttpResponseInit } from '@azure/functions';
import { PassThrough, Readable } from 'node:stream';
import { ReadableStream as WebReadableStream } from 'node:stream/web';

/**
 * Reads the first chunk of a streamed response body before the response is handed to the
 * library. Once the library has the response it sends the status and headers with the first
 * chunk and can only break the connection after that; a source that fails on its first read (a
 * blob gone missing, storage down) then still becomes a proper error answer here, via the throw.
 * Bodies that are not streams are returned as they are.
 *
 * `onSent` learns, for a streamed body, how many bytes went out and whether it ended in an error,
 * once the body is done (request traces).
 */
export async function primeResponseBody(
  response: HttpResponseInit,
  onSent?: (bytes: number, error: Error | undefined) => void,
): Promise<HttpResponseInit> {
  const body = response.body;
  if (!(body instanceof Readable) && !(body instanceof WebReadableStream)) return response;
  const source = body instanceof Readable ? body : Readable.fromWeb(body);
  const first = await firstChunk(source);
  const out = new PassThrough();
  let bytes = 0;
  let failure: Error | undefined;
  if (first !== undefined) {
    bytes += byteLength(first);
    out.write(first);
  }
  // Whoever stops reading `out` (the client left, the library cancelled the body) stops the source
  // at once; a source failing later fails `out`, which breaks the connection.
  out.once('close', () => {
    source.destroy();
    onSent?.(bytes, failure ?? (out.writableFinished ? undefined : new Error('The response body was not sent whole.')));
  });
  source.once('error', (error) => {
    failure = error;
    out.destroy(error);
  });
  // The pipe already reads `source` by its data events; counting them changes nothing.
  if (onSent) source.on('data', (chunk: unknown) => (bytes += byteLength(chunk)));
  source.pipe(out);
  return { ...response, body: out };
}

function byteLength(chunk: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk);
  return chunk instanceof Uint8Array ? chunk.byteLength : 0;
}

/** The first chunk (undefined for an empty body), leaving the source paused for a pipe. */
function firstChunk(source: Readable): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onData = (chunk: unknown): void => {
      source.pause();
      done();
      resolve(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(undefined);
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const done = (): void => {
      source.off('data', onData).off('end', onEnd).off('error', onError);
    };
    source.on('data', onData).once('end', onEnd).once('error', onError);
  });
}
