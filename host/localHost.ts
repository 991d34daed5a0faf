import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { errorResponse } from '../shared/http/errorResponse';
import { registeredFunctions, type RegisteredFunction } from '../shared/http/routeTable';
import { toHttpRequest } from './httpRequest';
import { consoleLogger, createInvocationContext, type InvocationLogger } from './invocationLog';
import { requestBody } from './requestBody';
import { sendResponse } from './responseWriter';
import { createRouter, type Router } from './router';

export interface LocalHostOptions {
  /** The functions to serve, in matching order. Default: registeredFunctions() when the host is created. */
  readonly functions?: readonly RegisteredFunction[];
  /** Where handlers' log lines go. Default: the console, information and above. */
  readonly logger?: InvocationLogger;
}

export interface LocalHost {
  readonly server: http.Server;
  /** Resolves with the base URL (no trailing slash) once listening; port 0 picks a free port. */
  listen(port: number, host?: string): Promise<{ url: string }>;
  /** Stops accepting, drops open connections (keep-alive included); safe to call twice. */
  close(): Promise<void>;
}

/**
 * Serves the registered functions over node:http the way the Functions host would with
 * `enableHttpStream`: route by template in function-name order, a streaming HttpRequest, an
 * InvocationContext per call, the HttpResponseInit written back with backpressure.
 * The route table is read once, here: register routes before creating the host.
 */
export function createLocalHost(options: LocalHostOptions = {}): LocalHost {
  const router = createRouter(options.functions ?? registeredFunctions());
  const logger = options.logger ?? consoleLogger();
  const server = http.createServer((req, res) => {
    handle(req, res, router, logger).catch((error: unknown) => {
      // Only a bug in the host itself gets here; the request must still end.
      console.error('Local host failure:', error);
      if (!res.headersSent) sendPlain(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
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
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  router: Router,
  logger: InvocationLogger,
): Promise<void> {
  const method = req.method ?? 'GET';
  const target = req.url ?? '/';
  const query = target.indexOf('?');
  const path = query < 0 ? target : target.slice(0, query);
  if (!path.startsWith('/')) return sendPlain(res, 400, 'The request target must be a path.');

  const match = router.match(method, path);
  switch (match.kind) {
    case 'notFound':
      return sendPlain(res, 404, `No function matches ${path}.`);
    case 'methodNotAllowed':
      res.setHeader('Allow', match.allow.join(', '));
      return sendPlain(res, 405, `${method} is not allowed on ${path}.`);
    case 'badRequest':
      return sendPlain(res, 400, `Bad request: ${match.reason}.`);
    case 'found':
      break;
  }

  // GET and HEAD get no body, as in the library; node:http discards one if a client sent it.
  const body = method === 'GET' || method === 'HEAD' ? undefined : requestBody(req);
  if (body) res.once('finish', () => body.discardRest());
  const host = req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? 80}`;
  let request: HttpRequest;
  try {
    request = toHttpRequest(req, `http://${host}${target}`, match.params, body?.stream);
  } catch {
    return sendPlain(res, 400, 'The request URL or a header is malformed.');
  }

  const context = createInvocationContext(match.fn.name, randomUUID(), logger);
  let response: HttpResponseInit;
  try {
    response = await match.fn.handler(request, context);
  } catch (error) {
    // registerFunction already maps errors; this catches a mapping that itself failed.
    response = errorResponse(error, context);
  }
  await sendResponse(res, response, { method, context });
}

function sendPlain(res: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(message);
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
