/**
 * The Azure Functions host's rules that the local host applies, each with the upstream source it
 * comes from (azure-functions-host unless named otherwise). Tests in test/host check each one.
 */

/** Function names: `Utility.IsValidFunctionName` (src/WebJobs.Script/Utility.cs). */
export const FUNCTION_NAME = /^[a-z][a-z0-9_-]{0,127}$/i;
/** ...except `host`, which the same expression refuses. */
export const RESERVED_FUNCTION_NAMES: readonly string[] = ['host'];

/**
 * Route prefixes the host keeps for itself: `ScriptHost.ValidateHttpFunction`
 * (src/WebJobs.Script/Host/ScriptHost.cs) refuses any route that starts with them, after trimming
 * slashes and lower-casing (so `administration/x` is refused too).
 */
export const RESERVED_ROUTE_PREFIXES: readonly string[] = ['admin', 'runtime'];

/**
 * The order routes are tried in: functions sorted by name, ordinal and case-insensitive
 * (src/WebJobs.Script/Host/FunctionMetadataManager.cs), each mapped in that order into one ASP.NET
 * RouteCollection (src/WebJobs.Script.WebHost/WebScriptHostHttpRoutesManager.cs; the collection
 * is built by azure-webjobs-sdk-extensions WebJobsRouteBuilder.Build), which takes the first route
 * whose template and method constraint both match.
 */
export function compareFunctionNames(a: string, b: string): number {
  const x = a.toUpperCase();
  const y = b.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Two HTTP functions conflict when their routes are equal (slashes trimmed, case-insensitive) and
 * their methods intersect; no methods means all (`ScriptHost.HttpRoutesConflict`).
 */
export function httpRoutesConflict(
  a: { route: string; methods: readonly string[] },
  b: { route: string; methods: readonly string[] },
): boolean {
  if (trimSlashes(a.route).toLowerCase() !== trimSlashes(b.route).toLowerCase()) return false;
  if (a.methods.length === 0 || b.methods.length === 0) return true;
  const upper = new Set(a.methods.map((m) => m.toUpperCase()));
  return b.methods.some((m) => upper.has(m.toUpperCase()));
}

export function trimSlashes(route: string): string {
  return route.replace(/^\/+|\/+$/g, '');
}

/**
 * The host's request body limit: FUNCTIONS_REQUEST_BODY_SIZE_LIMIT
 * (src/WebJobs.Script.WebHost/Middleware/HttpRequestBodySizeMiddleware.cs), otherwise
 * `ScriptConstants.DefaultMaxRequestBodySize`, 100 MiB (src/WebJobs.Script/ScriptConstants.cs).
 */
export const BODY_SIZE_LIMIT_SETTING = 'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT';
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 104_857_600;

export function maxRequestBodyBytes(env: NodeJS.ProcessEnv): number {
  const raw = env[BODY_SIZE_LIMIT_SETTING]?.trim();
  // long.TryParse: anything else leaves Kestrel's own limit, which the host sets to the same default.
  return raw && /^\d+$/.test(raw) ? Number(raw) : DEFAULT_MAX_REQUEST_BODY_BYTES;
}

/** Kestrel's default `MaxRequestLineSize` (method, target and version): longer is 414. */
export const MAX_REQUEST_LINE_BYTES = 8192;
/** Kestrel's default `MaxRequestHeadersTotalSize`: larger is 431. */
export const MAX_REQUEST_HEADERS_BYTES = 32_768;

/**
 * The HTTP trigger binding reads the whole body as a string before the function runs whenever the
 * request has a Content-Length above zero (azure-webjobs-sdk-extensions
 * HttpTriggerAttributeBindingProvider, BindAsync and IsRequestPayloadReadable); a chunked body is
 * read only if the host's `ChunkedTransferEnabled` option is on, which it is not by default.
 */
export function hostBuffersBody(contentLength: number | undefined): boolean {
  return contentLength !== undefined && contentLength > 0;
}

/**
 * The forwarder to the worker's HTTP proxy gives up on a response that sends nothing for 240 s
 * (`ActivityTimeout`, src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs).
 */
export const PROXY_ACTIVITY_TIMEOUT_MS = 240_000;

/** Header the host adds so the worker's proxy can pair the request with its invocation (same file). */
export const INVOCATION_ID_HEADER = 'x-ms-invocation-id';

/**
 * Binding data the trigger passes as `triggerMetadata`: the query parameters (except `code`),
 * then the route values over them, in one case-insensitive dictionary, plus `Query` and `Headers`
 * (HttpTriggerAttributeBindingProvider.GetRequestBindingData). The library turns every other
 * string entry into `request.params` (azure-functions-nodejs-library src/http/HttpRequest.ts,
 * createStreamRequest).
 */
export const SKIPPED_QUERY_PARAMETER = 'code';

/** The host's own warm-up route, tried after the function routes (WebScriptHostHttpRoutesManager.cs). */
export const WARMUP_ROUTE = 'admin/warmup';

/**
 * functionTimeout from host.json; without it the plan's default: 30 minutes on Flex Consumption
 * and Premium (Azure Functions docs, "Function app time-out duration").
 */
export const DEFAULT_FUNCTION_TIMEOUT_MS = 30 * 60 * 1000;

/** The platform CORS setting: a JSON array of origins (src/WebJobs.Script.WebHost/Configuration/HostCorsOptionsSetup.cs). */
export const PLATFORM_CORS_SETTING = 'CORS_ALLOWED_ORIGINS';

/**
 * Queue names: 3–63 lower-case letters, digits and single hyphens, starting and ending with a
 * letter or digit. The queue trigger refuses others at indexing (azure-sdk-for-net
 * Microsoft.Azure.WebJobs.Extensions.Storage.Queues src/QueueClientExtensions.cs, ValidateQueueName,
 * called by Triggers/QueueTriggerAttributeBindingProvider.cs).
 */
export function isValidQueueName(name: string): boolean {
  return /^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/.test(name);
}
