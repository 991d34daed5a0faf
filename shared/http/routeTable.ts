import {
  app,
  type HttpMethod,
  type HttpRequest,
  type HttpResponseInit,
  type InvocationContext,
} from '@azure/functions';
import { Readable } from 'node:stream';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { authorizeRequest } from '../auth/authorize';
import type { Permission, RouteAccess } from '../auth/permissions';
import { ConfigurationError, getAccessConfig, type AccessConfig } from '../config';
import { ServiceUnavailableError } from '../errors';
import { API_VERSIONS, type ApiVersion } from './apiVersion';
import { preflightResponse, withCorsHeaders } from './cors';
import { errorResponse } from './errorResponse';
import { primeResponseBody } from './primedBody';
import { routeParameterNames, routeValues, type RouteParams } from './routeParams';
import { endRequestSpan, startRequestSpan } from '../telemetry/tracing';
import { PARTITION_PARAM, resolveRoutePartition } from '../partitions/partitionRoute';
import { pulledInPartition, runInPartition } from '../partitions/partitionContext';
import type { Partition } from '../partitions/partition';

/** What a route's handler receives beyond the Functions request and context. */
export interface RouteContext {
  readonly apiVersion: ApiVersion;
  /** The route template's values, and only those (the host mixes query parameters into request.params). */
  readonly params: RouteParams;
}

export type DicomWebHandler = (
  request: HttpRequest,
  context: InvocationContext,
  route: RouteContext,
) => Promise<HttpResponseInit>;

export interface DicomWebRoute {
  /** The DICOMweb transaction (e.g. `storeInstances`), for logs. */
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
  /**
   * Data, not service state: also served under `partitions/{partitionName}/` and run inside the
   * request's partition (docs/partitions.md). Change feed, partitions and health are not.
   */
  readonly partitioned?: boolean;
  /** A partitioned route that creates its partition on first use (STOW, workitem creation), as Azure does. */
  readonly createsPartition?: boolean;
}

/** A route outside the versioned API (health, the unmatched-path answers). */
export interface PlainRoute {
  /** The Azure Function's name; it decides the host's matching order (by name, case-insensitive). */
  readonly functionName: string;
  readonly route: string;
  readonly methods: HttpMethod[];
  readonly handler: (
    request: HttpRequest,
    context: InvocationContext,
    params: RouteParams,
  ) => Promise<HttpResponseInit>;
  /** `anonymous` for routes without auth (health); otherwise as DicomWebRoute.permission. */
  readonly access?: RouteAccess;
}

interface RouteEntry {
  readonly transaction: string;
  readonly template: string;
  readonly functionName: string;
  readonly methods: readonly HttpMethod[];
  readonly access: RouteAccess | undefined;
  readonly handle: (request: HttpRequest, context: InvocationContext, params: RouteParams) => Promise<HttpResponseInit>;
}

/** One Azure Function: every method of one route template. */
export interface RouteGroup {
  readonly functionName: string;
  readonly template: string;
  /** The declared methods plus OPTIONS, which the group answers as a CORS preflight. */
  readonly methods: readonly HttpMethod[];
  readonly handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;
}

const entries: RouteEntry[] = [];
let registered = false;

/** Records a DICOMweb route once per API version (`v1/...`, `v2/...`). */
export function registerDicomWebRoute(definition: DicomWebRoute): void {
  for (const apiVersion of API_VERSIONS) {
    const plain = `${apiVersion}/${definition.route}`;
    const templates = definition.partitioned
      ? [plain, `${apiVersion}/partitions/{${PARTITION_PARAM}}/${definition.route}`]
      : [plain];
    for (const template of templates) {
      addEntry({
        transaction: definition.name,
        template,
        functionName: functionNameFor(template),
        methods: definition.methods,
        access: definition.permission,
        handle: definition.partitioned
          ? (request, context, params) => handleInPartition(definition, request, context, { apiVersion, params })
          : (request, context, params) => definition.handler(request, context, { apiVersion, params }),
      });
    }
  }
}

/**
 * Runs a partitioned route's handler inside its partition, the route's partition parameter taken
 * out of what the handler sees. A streamed body is pulled inside the partition too: the library
 * reads it after the handler has returned.
 */
async function handleInPartition(
  definition: DicomWebRoute,
  request: HttpRequest,
  context: InvocationContext,
  route: RouteContext,
): Promise<HttpResponseInit> {
  const { [PARTITION_PARAM]: named, ...params } = route.params;
  const partition = await resolveRoutePartition(named, definition.createsPartition === true);
  const response = await runInPartition(partition, () =>
    definition.handler(request, context, { apiVersion: route.apiVersion, params }),
  );
  return named === undefined ? response : bindBodyToPartition(response, partition);
}

function bindBodyToPartition(response: HttpResponseInit, partition: Partition): HttpResponseInit {
  const body = response.body;
  if (!(body instanceof Readable) && !(body instanceof WebReadableStream)) return response;
  const source: AsyncIterable<unknown> = body instanceof Readable ? body : Readable.fromWeb(body);
  return { ...response, body: Readable.from(pulledInPartition(partition, source), { objectMode: false }) };
}

/** Records a route outside the versioned API as is. */
export function registerPlainRoute(route: PlainRoute): void {
  addEntry({
    transaction: route.functionName,
    template: route.route,
    functionName: route.functionName,
    methods: route.methods,
    access: route.access,
    handle: route.handler,
  });
}

function addEntry(entry: RouteEntry): void {
  if (registered) throw new Error(`Route ${entry.template} was recorded after the functions were registered.`);
  entries.push(entry);
}

/**
 * The recorded routes as Azure Functions: one per route template, whatever its methods. The
 * Functions host refuses two functions whose templates are equal and whose methods overlap
 * (azure-functions-host src/WebJobs.Script/Host/ScriptHost.cs, HttpRoutesConflict), and OPTIONS
 * is answered on every template, so each template must be exactly one function.
 */
export function routeGroups(): RouteGroup[] {
  const byTemplate = new Map<string, RouteEntry[]>();
  for (const entry of entries) {
    const key = entry.template.toLowerCase();
    byTemplate.set(key, [...(byTemplate.get(key) ?? []), entry]);
  }
  return [...byTemplate.values()].map(toGroup);
}

/** Registers every recorded route through `app.http`, the way the app is indexed on Azure. Once. */
export function registerHttpFunctions(): void {
  if (registered) throw new Error('The HTTP functions are registered once, after every route is recorded.');
  registered = true;
  for (const group of routeGroups()) {
    app.http(group.functionName, {
      route: group.template,
      methods: [...group.methods],
      authLevel: 'anonymous',
      handler: group.handler,
    });
  }
}

function toGroup(members: RouteEntry[]): RouteGroup {
  const first = members[0] as RouteEntry;
  const byMethod = new Map<string, RouteEntry>();
  for (const entry of members) {
    if (entry.functionName !== first.functionName) {
      throw new Error(`Routes ${entry.transaction} and ${first.transaction} share ${first.template} under two names.`);
    }
    for (const method of entry.methods) {
      const taken = byMethod.get(method);
      if (taken)
        throw new Error(`${method} ${entry.template} is claimed by ${taken.transaction} and ${entry.transaction}.`);
      byMethod.set(method, entry);
    }
  }
  const declared = [...byMethod.keys()] as HttpMethod[];
  const methods: HttpMethod[] = declared.includes('OPTIONS') ? declared : [...declared, 'OPTIONS'];
  const parameterNames = routeParameterNames(first.template);
  return {
    functionName: first.functionName,
    template: first.template,
    methods: methods.sort(),
    handler: withRequestPipeline(byMethod, methods, parameterNames),
  };
}

/**
 * `v2/studies/{study}/series` becomes `v2-studies-study-series`: a name the host accepts
 * (`^[a-z][a-z0-9_-]{0,127}$`, azure-functions-host src/WebJobs.Script/Utility.cs) that sorts the
 * versioned routes together.
 */
export function functionNameFor(template: string): string {
  return template
    .split('/')
    .map((segment) => segment.replace(/[^A-Za-z0-9]/g, ''))
    .filter((segment) => segment !== '')
    .join('-');
}

/**
 * Every handler goes through this: OPTIONS is answered here (a preflight carries no token), then
 * the caller is authorized for the route, then the handler runs, then the first chunk of a
 * streamed body is read so that a failure before the first byte still becomes an error answer.
 */
function withRequestPipeline(
  byMethod: ReadonlyMap<string, RouteEntry>,
  methods: readonly HttpMethod[],
  parameterNames: readonly string[],
): RouteGroup['handler'] {
  return async (request, context) => {
    let access: AccessConfig;
    try {
      access = getAccessConfig();
    } catch (error) {
      return errorResponse(misconfigured(error, context), context);
    }
    const entry = byMethod.get(request.method);
    if (!entry) {
      // Only OPTIONS gets here: the host routes no other undeclared method to this function.
      return preflightResponse(request, methods, access.cors);
    }
    const params = routeValues(request.params, parameterNames);
    const describe = () => ({
      method: request.method,
      route: entry.template,
      transaction: entry.transaction,
      url: request.url,
      requestBytes: declaredLength(request.headers.get('content-length')),
      params,
      traceParent: context.traceContext?.traceParent ?? request.headers.get('traceparent') ?? undefined,
    });
    return startRequestSpan(describe, async (span) => {
      let response: HttpResponseInit;
      let streamed = false;
      try {
        await authorizeRequest(request, context, entry.access, access.auth);
        const handled = await entry.handle(request, context, params);
        response = await primeResponseBody(handled, (bytes, error) => {
          endRequestSpan(span, handled.status ?? 200, bytes, error);
        });
        streamed = isStream(response.body);
      } catch (error) {
        response = errorResponse(error, context);
      }
      // Sizing a JSON body costs a serialization: only for a span that is recorded.
      if (!streamed) endRequestSpan(span, response.status ?? 200, span.isRecording() ? bodySize(response) : 0);
      return withCorsHeaders(request, response, access.cors);
    });
  };
}

function declaredLength(header: string | null): number | undefined {
  const length = header === null ? NaN : Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

function isStream(body: unknown): boolean {
  return body instanceof Readable || body instanceof WebReadableStream;
}

/** The size of a body that is not a stream (streamed ones are counted as they go). */
function bodySize(response: HttpResponseInit): number {
  const body = response.body;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return body.byteLength;
  const json: unknown = response.jsonBody;
  return json === undefined ? 0 : Buffer.byteLength(JSON.stringify(json));
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
