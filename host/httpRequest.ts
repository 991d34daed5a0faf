import { HttpRequest, type HttpRequestInit } from '@azure/functions';
import type { IncomingMessage } from 'node:http';

/**
 * The library's own HttpRequest for an incoming request, built as its streaming path
 * (createStreamRequest) builds it: a fetch Request over the live body, so `request.body` streams
 * and `text()`/`json()` behave exactly as on Azure. Throws a TypeError for a URL or header that
 * fetch refuses (answered with 400 by the caller).
 */
export function toHttpRequest(
  req: IncomingMessage,
  url: string,
  params: Record<string, string>,
  body: ReadableStream<Uint8Array> | undefined,
): HttpRequest {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (name !== undefined && value !== undefined) headers.append(name, value);
  }
  // `duplex: 'half'` is what Node's fetch requires for a streamed body; the DOM typings lack it.
  const init: RequestInit & { duplex: 'half' } = { method: req.method ?? 'GET', headers, body, duplex: 'half' };
  return streamingHttpRequest(new Request(url, init), params);
}

/**
 * The one cast: HttpRequest's constructor takes the `nativeRequest` that createStreamRequest
 * passes, but the public HttpRequestInit type only describes the buffered test form.
 */
function streamingHttpRequest(nativeRequest: Request, params: Record<string, string>): HttpRequest {
  return new HttpRequest({ nativeRequest, params } as HttpRequestInit);
}
