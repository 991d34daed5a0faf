/**
 * One POST with a body given as buffers, over node:http(s) with a keep-alive agent.
 * node:http rather than fetch: it writes the shared pixel buffer without copying, honours backpressure
 * through `drain`, and costs the client less CPU, which the server under test shares on a two-core machine.
 */
import http from 'node:http';
import https from 'node:https';
import type { RequestBody } from './stowInstances';

export interface PostResult {
  readonly status: number;
  /** The start of the response body (for error reports); the rest is read and dropped. */
  readonly body: string;
  readonly milliseconds: number;
  /** When the last body byte was handed to the OS: the rest of `milliseconds` is the server finishing up. */
  readonly bodySentMilliseconds: number | null;
}

/** Most bytes of a response body kept for reporting. */
const KEPT_BODY_BYTES = 4096;

export function keepAliveAgent(url: URL, maxSockets: number): http.Agent {
  const options = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets };
  return url.protocol === 'https:' ? new https.Agent(options) : new http.Agent(options);
}

/**
 * Sends the body and resolves with the status once the whole response has arrived;
 * rejects on network errors and when no progress is made for `timeoutMs`.
 */
export function post(
  url: URL,
  agent: http.Agent,
  headers: Readonly<Record<string, string>>,
  body: RequestBody,
  timeoutMs: number,
): Promise<PostResult> {
  const started = performance.now();
  const request = (url.protocol === 'https:' ? https : http).request(url, {
    method: 'POST',
    agent,
    headers: { ...headers, 'content-length': String(body.length) },
  });
  let bodySent: number | null = null;
  request.on('finish', () => (bodySent = performance.now() - started));
  return new Promise<PostResult>((resolve, reject) => {
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no progress for ${timeoutMs} ms`)));
    request.on('error', reject);
    request.on('response', (response) => {
      const kept: Buffer[] = [];
      let keptBytes = 0;
      response.on('data', (chunk: Buffer) => {
        if (keptBytes < KEPT_BODY_BYTES) {
          kept.push(chunk);
          keptBytes += chunk.length;
        }
      });
      response.on('error', reject);
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(kept).subarray(0, KEPT_BODY_BYTES).toString('utf8'),
          milliseconds: performance.now() - started,
          bodySentMilliseconds: bodySent,
        });
      });
    });
    writeBody(request, body.chunks).catch((error: unknown) => request.destroy(asError(error)));
  });
}

/**
 * Writes chunk after chunk, waiting for `drain` whenever the socket buffer is full, so a streamed body
 * is generated no faster than the server reads it. Stops if the request ends early (e.g. an early 413).
 */
async function writeBody(request: http.ClientRequest, chunks: Iterable<Buffer>): Promise<void> {
  for (const chunk of chunks) {
    if (request.destroyed) return;
    if (!request.write(chunk)) await drainedOrClosed(request);
  }
  if (!request.destroyed) request.end();
}

function drainedOrClosed(request: http.ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      request.off('drain', done);
      request.off('close', done);
      resolve();
    };
    request.on('drain', done);
    request.on('close', done);
  });
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
