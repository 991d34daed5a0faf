import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { BufferedBody } from './bodyBuffer';
import { INVOCATION_ID_HEADER } from './hostRules';

/** Headers a proxy never forwards (RFC 9110 7.6.1), as YARP drops them. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/**
 * A connection per invocation. Reusing idle ones races the library's proxy server, which closes
 * them after its keep-alive timeout: a request written on a socket the server is closing fails
 * with ECONNRESET (seen as 502s under concurrent stores). On loopback a new connection is cheap.
 */
const agent = new http.Agent({ keepAlive: false });

export interface ForwardRequest {
  readonly workerHttpUri: string;
  readonly invocationId: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Already read by the binding (a Buffer), still streaming (the request), or none (GET/HEAD). */
  readonly body: BufferedBody | IncomingMessage | undefined;
  readonly bodyLimit: number;
  readonly activityTimeoutMs: number;
  readonly log: (message: string) => void;
}

export interface Forwarding {
  /** Settles once the client's response has finished or its connection has closed. */
  readonly done: Promise<void>;
  /** The invocation failed: without a response from the worker yet, the host answers 500. */
  invocationFailed(): void;
  /** Ends the exchange now (worker restart, host stopping). */
  abort(reason: string): void;
}

/**
 * The host's forwarding of an HTTP invocation to the worker's proxy (YARP in
 * azure-functions-host src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs): the request
 * with the invocation id and X-Forwarded-Host/Proto headers, its body streamed with backpressure,
 * then the worker's response streamed back to the client with backpressure. A client that leaves
 * cancels the upstream exchange; an upstream response that breaks breaks the client's.
 */
export function forwardToWorker(forward: ForwardRequest): Forwarding {
  const { req, res } = forward;
  let settle: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (settle = resolve));
  let responseStarted = false;

  const headers = forwardedHeaders(req, forward.invocationId);
  if (isBuffered(forward.body)) headers['content-length'] = forward.body.length;
  const upstream = http.request(new URL(req.url ?? '/', forward.workerHttpUri), {
    method: req.method,
    headers,
    agent,
  });

  const fail = (status: number, reason: string): void => {
    forward.log(reason);
    upstream.destroy();
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(status, { 'content-length': 0 }).end();
    } else {
      res.destroy();
    }
  };

  upstream.setNoDelay(true);
  upstream.setTimeout(forward.activityTimeoutMs, () =>
    fail(504, `The worker sent nothing for ${forward.activityTimeoutMs} ms; forwarding timed out.`),
  );
  upstream.on('error', (error) => {
    if (!res.writableEnded) fail(502, `Forwarding to the worker failed: ${error.message}`);
  });
  upstream.on('response', (answer: IncomingMessage) => {
    responseStarted = true;
    if (res.destroyed) {
      answer.destroy();
      return;
    }
    res.writeHead(answer.statusCode ?? 502, responseHeaders(answer));
    answer.pipe(res);
    // The worker ended its response early (it destroyed the socket): the client must see a break.
    answer.on('aborted', () => res.destroy());
    answer.on('error', () => res.destroy());
  });
  res.on('close', () => {
    if (!res.writableFinished) upstream.destroy();
    settle();
  });

  sendBody(forward, upstream, (reason) => fail(413, reason));

  return {
    done,
    invocationFailed: () => {
      if (!responseStarted) fail(500, 'The invocation failed before the worker answered.');
    },
    abort: (reason) => fail(500, `Aborted: ${reason}.`),
  };
}

function sendBody(forward: ForwardRequest, upstream: http.ClientRequest, tooLarge: (reason: string) => void): void {
  const { body } = forward;
  if (body === undefined) {
    upstream.end();
    return;
  }
  if (isBuffered(body)) {
    writeChunks(upstream, body.chunks);
    return;
  }
  let length = 0;
  body.on('data', (chunk: Buffer) => {
    length += chunk.length;
    if (length > forward.bodyLimit) {
      // Kestrel's MaxRequestBodySize, enforced on a chunked body as it is read.
      body.removeAllListeners('data');
      body.resume();
      tooLarge(`The request body went over the host limit of ${forward.bodyLimit} bytes.`);
      return;
    }
    if (!upstream.write(chunk)) {
      body.pause();
      upstream.once('drain', () => body.resume());
    }
  });
  body.on('end', () => upstream.end());
  body.on('close', () => {
    // The client went away mid-upload: the worker's request body must fail, not hang.
    if (!body.readableEnded) upstream.destroy();
  });
}

function isBuffered(body: BufferedBody | IncomingMessage | undefined): body is BufferedBody {
  return body !== undefined && 'chunks' in body;
}

/** Writes held chunks with backpressure, then ends the request. */
function writeChunks(upstream: http.ClientRequest, chunks: readonly Buffer[]): void {
  let next = 0;
  const pump = (): void => {
    while (next < chunks.length) {
      if (!upstream.write(chunks[next++])) {
        upstream.once('drain', pump);
        return;
      }
    }
    upstream.end();
  };
  pump();
}

function forwardedHeaders(req: IncomingMessage, invocationId: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (HOP_BY_HOP.has(name) || name === 'content-length') continue;
    const value = raw[i + 1] as string;
    const existing = headers[name];
    headers[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [String(existing)]), value];
  }
  if (req.headers['content-length'] !== undefined) headers['content-length'] = req.headers['content-length'];
  headers[INVOCATION_ID_HEADER] = invocationId;
  headers['x-forwarded-host'] = req.headers.host ?? 'localhost';
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
  return headers;
}

function responseHeaders(answer: IncomingMessage): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  return headers;
}
