import {
  app,
  type HttpMethod,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import { authorizeRequest } from '../auth/authorize';
import type { Permission, RouteAccess } from '../auth/permissions';
import { ConfigurationError, getAccessConfig, type AccessConfig } from '../config';
import { ServiceUnavailableError } from '../errors';
import { API_VERSIONS, type ApiVersion } from './apiVersion';
import { preflightResponse, withCorsHeaders } from './cors';
import { errorResponse } from './errorResponse';

/** What a DICOMweb route's handler receives beyond the Functions request and context. */
export interface RouteContext {
  readonly apiVersion: ApiVersion;
}

export type DicomWebHandler = (
  request: HttpRequest,
  context: InvocationContext,
  route: RouteContext,
) => Promise<HttpResponseInit>;

export interface DicomWebRoute {
  /** The function name, after the DICOMweb transaction (e.g. `storeInstances`); the version is appended. */
  readonly name: string;
  /** The route template below the version prefix, e.g. `studies/{study}`. */
  readonly route: string;
  readonly methods: HttpMethod[];
  readonly handler: DicomWebHandler;
  /**
   * What the caller's role must grant. Default: read for GET/HEAD, write for everything else
   * (DICOM Data Reader may read, DICOM Data Owner may do everything).
   */
  readonly permission?: Permission;
}

/** One registered Azure Function: what `app.http` receives, and what the local host serves. */
export interface RegisteredFunction {
  readonly name: string;
  readonly route: string;
  readonly methods: HttpMethod[];
  readonly handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
  /** `anonymous` for routes without auth (health); otherwise as DicomWebRoute.permission. */
  readonly access?: RouteAccess;
}

const registered: RegisteredFunction[] = [];

/**
 * The local host sets this before loading the function files: outside the Functions host,
 * `app.http` only prints a warning, so the host reads this table instead.
 */
export const LOCAL_HOST_ENV = 'DICOMWEB_LOCAL_HOST';

/** Registers a DICOMweb route once per API version (`v1/...`, `v2/...`). */
export function registerDicomWebRoute(definition: DicomWebRoute): void {
  for (const apiVersion of API_VERSIONS) {
    registerFunction({
      name: `${definition.name}-${apiVersion}`,
      route: `${apiVersion}/${definition.route}`,
      methods: definition.methods,
      handler: (request, context) => definition.handler(request, context, { apiVersion }),
      access: definition.permission,
    });
  }
}

/**
 * Registers a function as is (for routes outside the versioned API) behind the shared request
 * pipeline: CORS preflight (OPTIONS is added to every route's methods), authentication and
 * authorization, the error mapping, and CORS response headers.
 */
export function registerFunction(fn: RegisteredFunction): void {
  const declared: HttpMethod[] = fn.methods.length > 0 ? fn.methods : ['GET', 'POST'];
  const methods: HttpMethod[] = declared.includes('OPTIONS') ? declared : [...declared, 'OPTIONS'];
  const wrapped: RegisteredFunction = { ...fn, methods, handler: withRequestPipeline(fn, declared) };
  registered.push(wrapped);
  if (process.env[LOCAL_HOST_ENV] !== '1') {
    app.http(wrapped.name, {
      route: wrapped.route,
      methods: wrapped.methods,
      authLevel: 'anonymous',
      handler: wrapped.handler,
    });
  }
}

/** Every registered function, in the order the Functions host matches them: by function name. */
export function registeredFunctions(): readonly RegisteredFunction[] {
  return [...registered].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Every handler goes through this: OPTIONS is answered here (a preflight carries no token), then
 * the caller is authorized for the route, then the handler runs. With HTTP streaming on, a handler
 * that throws sends no response at all, so errors are mapped here too.
 */
function withRequestPipeline(fn: RegisteredFunction, declared: readonly HttpMethod[]): RegisteredFunction['handler'] {
  return async (request, context) => {
    let access: AccessConfig;
    try {
      access = getAccessConfig();
    } catch (error) {
      return errorResponse(misconfigured(error, context), context);
    }
    if (request.method === 'OPTIONS' && !declared.includes('OPTIONS')) {
      return preflightResponse(request, methodsOfRoute(fn.route, declared), access.cors);
    }
    let response: HttpResponseInit;
    try {
      await authorizeRequest(request, context, fn.access, access.auth);
      response = await fn.handler(request, context);
    } catch (error) {
      response = errorResponse(error, context);
    }
    return withCorsHeaders(request, response, access.cors);
  };
}

/**
 * Several functions may share a route with different methods (search is GET /studies, store is
 * POST /studies); whichever answers the preflight must allow all of them.
 */
function methodsOfRoute(route: string, declared: readonly HttpMethod[]): HttpMethod[] {
  const methods = new Set(declared);
  for (const other of registered) if (other.route === route) for (const m of other.methods) methods.add(m);
  return [...methods].sort();
}

/**
 * A Functions app cannot refuse to start, so with invalid auth or CORS settings (auth on without a
 * tenant, say) every request fails with 503 and the log says why.
 */
function misconfigured(error: unknown, context: InvocationContext): unknown {
  if (!(error instanceof ConfigurationError)) return error;
  context.error(`Refusing to serve requests: ${error.message}`);
  return new ServiceUnavailableError(
    'The service is not configured correctly and cannot serve requests; its operator has to fix its settings.',
  );
}
