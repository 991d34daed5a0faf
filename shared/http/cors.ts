import type { HttpRequest, HttpResponseInit } from '@azure/functions';

/**
 * The app's CORS setting. Not `CORS_ALLOWED_ORIGINS`: the Functions host reserves that name, and on
 * Flex Consumption the platform writes its own CORS origins into it as a JSON array. The app never
 * reads it, so whatever it holds cannot make the app refuse its configuration.
 */
export const CORS_SETTING = 'DICOM_CORS_ALLOWED_ORIGINS';

/** DICOM_CORS_ALLOWED_ORIGINS: browser origins (e.g. an OHIF viewer) allowed to call the service. */
export interface CorsConfig {
  /** `*` for any origin; otherwise exact origins (`https://viewer.example.org`). Empty: CORS off. */
  readonly allowedOrigins: '*' | readonly string[];
}

/** Request headers a browser may send: the bearer token and the DICOMweb negotiation headers. */
const ALLOWED_HEADERS = [
  'Authorization',
  'Accept',
  'Accept-Charset',
  'Content-Type',
  'If-Match',
  'If-None-Match',
  'If-Modified-Since',
  'If-Unmodified-Since',
  'Range',
  'X-Requested-With',
  'x-ms-request-id',
  'msdicom-request-original',
].join(', ');

/** Response headers a browser script may read. */
const EXPOSED_HEADERS = [
  'ETag',
  'Content-Type',
  'Content-Length',
  'Content-Location',
  'Content-Range',
  'Location',
  'Last-Modified',
  'Warning',
  'WWW-Authenticate',
  'x-ms-invocation-id',
  // QIDO on extended query tags with reindex errors (docs/extended-query-tags.md).
  'erroneous-dicom-attributes',
].join(', ');

const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** Parses DICOM_CORS_ALLOWED_ORIGINS (comma-separated origins, or `*`). */
export function parseCorsConfig(raw: string | undefined, problems: string[]): CorsConfig {
  const items = (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.includes('*')) return { allowedOrigins: '*' };
  const origins: string[] = [];
  for (const item of items) {
    const origin = originOf(item);
    if (origin) origins.push(origin);
    else problems.push(`${CORS_SETTING}: "${item}" is not an origin (scheme://host[:port], no path)`);
  }
  return { allowedOrigins: origins };
}

/** The answer to OPTIONS on any route: a CORS preflight answer when the origin is allowed, else just Allow. */
export function preflightResponse(
  request: HttpRequest,
  methods: readonly string[],
  cors: CorsConfig,
): HttpResponseInit {
  const allow = [...new Set([...methods, 'OPTIONS'])].join(', ');
  const headers: Record<string, string> = { Allow: allow };
  const origin = allowedOrigin(request, cors);
  if (origin !== undefined && request.headers.get('access-control-request-method')) {
    Object.assign(headers, originHeaders(origin, cors), {
      'Access-Control-Allow-Methods': allow,
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': PREFLIGHT_MAX_AGE_SECONDS,
    });
  } else if (cors.allowedOrigins !== '*') {
    headers.Vary = 'Origin';
  }
  return { status: 204, headers };
}

/**
 * Adds the CORS response headers when the request comes from an allowed origin. With a list of
 * origins every answer carries `Vary: Origin`, also to a refused or absent Origin: otherwise a
 * cache could hand the answer without Access-Control-Allow-Origin to an allowed origin, or the
 * reverse.
 */
export function withCorsHeaders(request: HttpRequest, response: HttpResponseInit, cors: CorsConfig): HttpResponseInit {
  const origin = allowedOrigin(request, cors);
  const variesByOrigin = cors.allowedOrigins !== '*' && cors.allowedOrigins.length > 0;
  if (origin === undefined && !variesByOrigin) return response;
  const headers = new Headers(response.headers);
  if (origin !== undefined) {
    for (const [name, value] of Object.entries(originHeaders(origin, cors))) {
      if (name !== 'Vary') headers.set(name, value);
    }
    headers.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  }
  if (variesByOrigin) appendVary(headers, 'Origin');
  const merged: Record<string, string> = {};
  headers.forEach((value, name) => (merged[name] = value));
  return { ...response, headers: merged };
}

/** Adds a field name to Vary unless it is already listed (or Vary is `*`). */
function appendVary(headers: Headers, field: string): void {
  const listed = (headers.get('Vary') ?? '').split(',').map((name) => name.trim().toLowerCase());
  if (!listed.includes(field.toLowerCase()) && !listed.includes('*')) headers.append('Vary', field);
}

function originHeaders(origin: string, cors: CorsConfig): Record<string, string> {
  // With a list the answer depends on the Origin header, so caches must key on it.
  return cors.allowedOrigins === '*'
    ? { 'Access-Control-Allow-Origin': '*' }
    : { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

function allowedOrigin(request: HttpRequest, cors: CorsConfig): string | undefined {
  const origin = request.headers.get('origin');
  if (!origin) return undefined;
  if (cors.allowedOrigins === '*') return origin;
  const normalized = originOf(origin);
  return normalized !== undefined && cors.allowedOrigins.includes(normalized) ? origin : undefined;
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return undefined;
    if (value.replace(/\/$/, '').toLowerCase() !== url.origin.toLowerCase()) return undefined;
    return url.origin;
  } catch {
    return undefined;
  }
}
