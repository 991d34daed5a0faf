import type { HttpResponseInit } from '@azure/functions';
import { PassThrough, Readable } from 'node:stream';
import { ReadableStream as WebReadableStream } from 'node:stream/web';

/**
 * Reads the first chunk of a streamed response body before the response is handed to the
 * library. Once the library has the response it sends the status and headers with the first
 * chunk and can only break the connection after that; a source that fails on its first read (a
 * blob gone missing, storage down) then still becomes a proper error answer here, via the throw.
 * Bodies that are not streams are returned as they are.
 */
export async function primeResponseBody(response: HttpResponseInit): Promise<HttpResponseInit> {
  const body = response.body;
  if (!(body instanceof Readable) && !(body instanceof WebReadableStream)) return response;
  const source = body instanceof Readable ? body : Readable.fromWeb(body);
  const first = await firstChunk(source);
  const out = new PassThrough();
  if (first !== undefined) out.write(first);
  // Whoever stops reading `out` (the client left, the library cancelled the body) stops the source
  // at once; a source failing later fails `out`, which breaks the connection.
  out.once('close', () => source.destroy());
  source.once('error', (error) => out.destroy(error));
  source.pipe(out);
  return { ...response, body: out };
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
