import type { HttpHeadersInit, HttpResponseInit } from '@azure/functions';
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Blob } from 'node:buffer';
import { serializeCookie } from './cookies';

/** A handler's HttpResponseInit, reduced to what node:http writes. */
export interface PreparedResponse {
  readonly status: number;
  /** Lower-case names; repeated headers as arrays. */
  readonly headers: OutgoingHttpHeaders;
  /** Bytes sent at once with a Content-Length, a stream to pump, or nothing. */
  readonly body: Buffer | Readable | undefined;
}

/** Managed by node:http itself; the library's proxy drops them too. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
]);
/** Statuses that cannot carry a body (fetch's "null body status"). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * Applies the rules the library's HttpResponse applies (jsonBody wins over body, a default
 * Content-Type for JSON, text, forms and blobs, no body for 204/205/304) without copying a
 * streamed body into a fetch Response. Throws for a body of a type it does not know.
 */
export function prepareResponse(init: HttpResponseInit, method: string, invocationId: string): PreparedResponse {
  const status = init.status ?? 200;
  const headers: OutgoingHttpHeaders = {};
  addHeaders(headers, init.headers);
  for (const cookie of init.cookies ?? []) append(headers, 'set-cookie', serializeCookie(cookie));
  headers['x-ms-invocation-id'] = invocationId;

  const content = toContent(init);
  if (content.contentType !== undefined && headers['content-type'] === undefined) {
    headers['content-type'] = content.contentType;
  }
  if (NULL_BODY_STATUSES.has(status)) {
    if (content.data instanceof Readable) content.data.destroy();
    return { status, headers, body: undefined };
  }
  if (content.data instanceof Readable) {
    if (content.length !== undefined) headers['content-length'] = content.length;
    // HEAD answers with the headers alone; destroying the source stops its work.
    if (method === 'HEAD') content.data.destroy();
    return { status, headers, body: method === 'HEAD' ? undefined : content.data };
  }
  if (content.data !== undefined) headers['content-length'] = content.data.length;
  return { status, headers, body: method === 'HEAD' ? undefined : content.data };
}

interface Content {
  readonly data: Buffer | Readable | undefined;
  readonly contentType?: string;
  readonly length?: number;
}

function toContent(init: HttpResponseInit): Content {
  // As in the library: a jsonBody that is neither null nor undefined replaces body.
  if (init.jsonBody !== undefined && init.jsonBody !== null) {
    return { data: Buffer.from(JSON.stringify(init.jsonBody)), contentType: 'application/json' };
  }
  const body = init.body;
  if (body === undefined || body === null) return { data: undefined };
  if (typeof body === 'string') return { data: Buffer.from(body), contentType: 'text/plain;charset=UTF-8' };
  if (body instanceof Readable) return { data: body };
  if (body instanceof WebReadableStream) return { data: Readable.fromWeb(body) };
  if (body instanceof ArrayBuffer) return { data: Buffer.from(body) };
  if (ArrayBuffer.isView(body)) return { data: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  if (body instanceof Blob) {
    return { data: Readable.fromWeb(body.stream()), contentType: body.type || undefined, length: body.size };
  }
  if (body instanceof URLSearchParams) {
    return { data: Buffer.from(body.toString()), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (body instanceof FormData) return formDataContent(body);
  if (Symbol.asyncIterator in body) return { data: Readable.from(body, { objectMode: false }) };
  throw new TypeError('The response body is of a type the local host cannot send.');
}

/** fetch's Response encodes the form and chooses its boundary. */
function formDataContent(form: FormData): Content {
  const response = new Response(form);
  return {
    data: response.body ? Readable.from(readChunks(response.body), { objectMode: false }) : undefined,
    contentType: response.headers.get('content-type') ?? undefined,
  };
}

async function* readChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel();
  }
}

function addHeaders(into: OutgoingHttpHeaders, init: HttpHeadersInit | undefined): void {
  const add = (value: string, name: string): void => {
    const key = name.toLowerCase();
    if (!HOP_BY_HOP.has(key)) append(into, key, value);
  };
  if (init === undefined) return;
  if (init instanceof Headers) init.forEach(add);
  else for (const [name, value] of Array.isArray(init) ? init : Object.entries(init)) add(value, name);
}

function append(into: OutgoingHttpHeaders, name: string, value: string): void {
  const existing = into[name];
  if (existing === undefined) into[name] = value;
  else into[name] = [...(Array.isArray(existing) ? existing : [String(existing)]), value];
}
