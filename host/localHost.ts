import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { inspect } from 'node:util';
import { bufferBody, BodyTooLargeError, type BufferedBody } from './functionsHost/bodyBuffer';
import { httpTriggerMetadata } from './functionsHost/bindingData';
import type { FunctionIndex, IndexedHttpFunction } from './functionsHost/functionIndex';
import { forwardToWorker, type Forwarding } from './functionsHost/forwarder';
import {
  MAX_REQUEST_HEADERS_BYTES,
  MAX_REQUEST_LINE_BYTES,
  PROXY_ACTIVITY_TIMEOUT_MS,
  WARMUP_ROUTE,
  hostBuffersBody,
  maxRequestBodyBytes,
} from './functionsHost/hostRules';
import { platformCors } from './functionsHost/platformCors';
import { createRouter } from './router';
import type { NodeWorker, WorkerLogger } from './worker/nodeWorker';

export interface LocalHostOptions {
  readonly worker: NodeWorker;
  readonly index: FunctionIndex;
  /** The worker's HTTP proxy (`HttpUri` from its capabilities). */
  readonly workerHttpUri: string;
  readonly log: WorkerLogger;
  /** host.json functionTimeout, in ms. */
  readonly functionTimeoutMs: number;
  /** Default: the host's 240 s; tests shorten it. */
  readonly proxyActivityTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface LocalHost {
  readonly server: http.Server;
  /** Resolves with the base URL (no trailing slash) once listening; port 0 picks a free port. */
  listen(port: number, host?: string): Promise<{ url: string }>;
  /** Stops accepting, drops open connections (keep-alive included); safe to call twice. */
  close(): Promise<void>;
}

interface InFlight {
  readonly functionName: string;
  /** Fails the exchange and disarms its functionTimeout: the worker it ran on is gone. */
  abort(reason: string): void;
}

/**
 * The Functions host's HTTP side, as it serves an app whose worker streams HTTP: it applies the
 * host's limits, matches routes, builds the trigger metadata, forwards the request to the worker's
 * HTTP proxy (the library's own server) while asking the worker to invoke the function, and
 * streams the proxy's answer back. Every rule comes from functionsHost/hostRules.ts.
 */
export function createLocalHost(options: LocalHostOptions): LocalHost {
  const router = createRouter(options.index.http);
  const env = options.env ?? process.env;
  const cors = platformCors(env);
  const bodyLimit = maxRequestBodyBytes(env);
  const inFlight = new Set<InFlight>();
  const server = http.createServer({ maxHeaderSize: MAX_REQUEST_HEADERS_BYTES }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // Only a bug in the host itself gets here; the request must still end.
      options.log({ level: 'error', category: 'system', message: `Local host failure: ${describe(error)}` });
      if (!res.headersSent) sendPlain(res, 500, '');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    if (`${method} ${target} HTTP/1.1`.length > MAX_REQUEST_LINE_BYTES) return refuse(req, res, 414);
    if (!target.startsWith('/')) return refuse(req, res, 400);
    if (cors?.handle(req, res)) return discard(req);

    const url = new URL(`http://${req.headers.host ?? 'localhost'}${target}`);
    const match = router.match(method, url.pathname);
    if (match.kind === 'badRequest') return refuse(req, res, 400);
    if (match.kind === 'notFound') {
      const path = decodeURIComponentSafe(url.pathname);
      if (path !== undefined && trimmed(path).toLowerCase() === WARMUP_ROUTE && method === 'GET') {
        return warmup(req, res);
      }
      return refuse(req, res, 404);
    }

    const contentLength = declaredLength(req);
    let body: BufferedBody | IncomingMessage | undefined = ['GET', 'HEAD'].includes(method) ? undefined : req;
    if (body && contentLength !== undefined && contentLength > bodyLimit) {
      // Kestrel throws as the binding starts reading; the invocation fails with a bare 500.
      logSystem(
        'error',
        match.fn.name,
        `Request body of ${contentLength} bytes exceeds the host limit of ${bodyLimit}.`,
      );
      return refuse(req, res, 500);
    }
    if (body && hostBuffersBody(contentLength)) {
      try {
        body = await bufferBody(req, bodyLimit);
      } catch (error) {
        if (error instanceof BodyTooLargeError) return refuse(req, res, 500);
        return; // the client went away while sending
      }
    }
    await invokeHttp(req, res, match.fn, match.params, url, body, bodyLimit);
  }

  async function invokeHttp(
    req: IncomingMessage,
    res: ServerResponse,
    fn: IndexedHttpFunction,
    params: Record<string, string>,
    url: URL,
    body: BufferedBody | IncomingMessage | undefined,
    bodyLimit: number,
  ): Promise<void> {
    const invocationId = randomUUID();
    const forwarding: Forwarding = forwardToWorker({
      workerHttpUri: options.workerHttpUri,
      invocationId,
      req,
      res,
      body,
      bodyLimit,
      activityTimeoutMs: options.proxyActivityTimeoutMs ?? PROXY_ACTIVITY_TIMEOUT_MS,
      log: (message) => logSystem('warning', fn.name, message, invocationId),
    });
    const timeout = setTimeout(() => functionTimedOut(fn.name, invocationId), options.functionTimeoutMs);
    const entry: InFlight = {
      functionName: fn.name,
      abort: (reason) => {
        clearTimeout(timeout);
        inFlight.delete(entry);
        forwarding.abort(reason);
      },
    };
    inFlight.add(entry);
    try {
      await options.worker.invoke({
        invocationId,
        functionId: fn.id,
        inputData: [{ name: fn.triggerName, data: { http: {} } }],
        triggerMetadata: httpTriggerMetadata(url, params, req.rawHeaders),
        traceContext: { traceParent: traceParent(), attributes: {} },
      });
    } catch (error) {
      logSystem('error', fn.name, `Executed '${fn.name}' (Failed): ${describe(error)}`, invocationId);
      forwarding.invocationFailed();
    } finally {
      clearTimeout(timeout);
    }
    await forwarding.done;
    inFlight.delete(entry);
  }

  /**
   * Past functionTimeout the host cancels the invocation and restarts the worker process, which
   * fails every other invocation on it too (Azure Functions docs, "Function app time-out
   * duration"; the host's FunctionTimeoutException handling).
   */
  function functionTimedOut(functionName: string, invocationId: string): void {
    logSystem(
      'error',
      functionName,
      `Timeout value of ${options.functionTimeoutMs} ms exceeded by function '${functionName}'. Restarting the worker: every invocation in flight fails.`,
      invocationId,
    );
    for (const entry of [...inFlight]) entry.abort(`worker restarted after '${functionName}' timed out`);
  }

  async function warmup(req: IncomingMessage, res: ServerResponse): Promise<void> {
    discard(req);
    const fn = options.index.warmup;
    if (fn) {
      try {
        await options.worker.invoke({
          invocationId: randomUUID(),
          functionId: fn.id,
          inputData: [{ name: fn.triggerName, data: { json: '{}' } }],
          triggerMetadata: {},
        });
      } catch (error) {
        logSystem('error', fn.name, `Warm-up failed: ${describe(error)}`);
        return sendPlain(res, 500, '');
      }
    }
    sendPlain(res, 200, 'WarmUp complete.');
  }

  function logSystem(level: 'warning' | 'error', functionName: string, message: string, invocationId?: string): void {
    options.log({ level, category: 'system', message, functionName, invocationId });
  }

  let closing: Promise<void> | undefined;
  return {
    server,
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          const actual = typeof address === 'object' && address !== null ? address.port : port;
          resolve({ url: `http://${displayHost(host)}:${actual}` });
        });
      }),
    close: () =>
      (closing ??= new Promise((resolve) => {
        for (const entry of [...inFlight]) entry.abort('the host is stopping');
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

/** The host's own answers carry no body: they come from Kestrel or the routing middleware. */
function refuse(req: IncomingMessage, res: ServerResponse, status: number): void {
  discard(req);
  sendPlain(res, status, '');
}

function sendPlain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(text);
  res.writeHead(status, { 'content-length': body.length, ...(text ? { 'content-type': 'text/plain' } : {}) });
  res.end(body);
}

/** Lets an unread request body drain so the connection can serve its next request. */
function discard(req: IncomingMessage): void {
  if (!req.readableEnded && !req.destroyed) req.resume();
}

function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers['content-length'];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function decodeURIComponentSafe(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

function trimmed(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** A W3C traceparent for the invocation, as the host passes one from its activity. */
function traceParent(): string {
  const hex = (bytes: number): string =>
    randomUUID()
      .replace(/-/g, '')
      .slice(0, bytes * 2);
  return `00-${hex(16)}-${hex(8)}-01`;
}

function describe(error: unknown): string {
  let text = '';
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 4; depth++) {
    text += (text ? ' (caused by ' : '') + (e instanceof Error ? `${e.name}: ${e.message}` : inspect(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return text;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
