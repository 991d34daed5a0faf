import {
  app,
  type HttpMethod,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import { API_VERSIONS, type ApiVersion } from './apiVersion';
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
}

/** One registered Azure Function: what `app.http` receives, and what the local host serves. */
export interface RegisteredFunction {
  readonly name: string;
  readonly route: string;
  readonly methods: HttpMethod[];
  readonly handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
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
    });
  }
}

/** Registers a function as is (for routes outside the versioned API), with the shared error mapping. */
export function registerFunction(fn: RegisteredFunction): void {
  const wrapped: RegisteredFunction = { ...fn, handler: withErrorMapping(fn.handler) };
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
 * With HTTP streaming on, a handler that throws sends no response at all, so every handler
 * goes through this wrapper.
 */
function withErrorMapping(handler: RegisteredFunction['handler']): RegisteredFunction['handler'] {
  return async (request, context) => {
    try {
      return await handler(request, context);
    } catch (error) {
      return errorResponse(error, context);
    }
  };
}
