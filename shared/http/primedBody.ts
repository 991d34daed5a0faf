import type { HttpResponseInit } from '@azure/functions';
import { Readable } from 'node:stream';
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
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const first = await iterator.next();
  return { ...response, body: Readable.from(replay(first, iterator), { objectMode: false }) };
}

async function* replay(first: IteratorResult<unknown>, rest: AsyncIterator<unknown>): AsyncGenerator<Uint8Array> {
  if (first.done) return;
  try {
    yield toBytes(first.value);
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield toBytes(next.value);
    }
  } finally {
    // A consumer that stops early (the client left) must stop the source too.
    await rest.return?.();
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  throw new TypeError(`A response body chunk must be bytes or a string, not ${typeof chunk}.`);
}
