import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { BadRequestError, MethodNotAllowedError, NotFoundError } from '../errors';
import { API_VERSIONS } from './apiVersion';
import { routeGroups } from './routeTable';
import { compileRouteTemplate, type RouteTemplate } from './routeTemplate';

/** DICOMweb resources a client may name without the version prefix; each gets a clear 400. */
export const UNVERSIONED_RESOURCES = [
  'studies',
  'series',
  'instances',
  'changefeed',
  'extendedquerytags',
  'workitems',
  'operations',
] as const;

let templates: { readonly template: RouteTemplate; readonly methods: readonly string[] }[] | undefined;

/**
 * Explains why nothing matched: an API version the service does not have (as the Azure DICOM
 * service answers, 400), a DICOMweb path without a version, a route that exists but not with this
 * method (405 with Allow; the host itself would say 404), or an unknown resource (404).
 */
export function unmatchedRoute(request: HttpRequest): Promise<HttpResponseInit> {
  const path = new URL(request.url).pathname.replace(/^\/+/, '');
  const version = /^v(\d+(?:\.\d+)?)(\/|$)/i.exec(path);
  const supported = API_VERSIONS.join(', ');
  if (version && !(API_VERSIONS as readonly string[]).includes(`v${version[1]}`)) {
    throw new BadRequestError(
      `The API version 'v${version[1]}' is not supported. Supported versions: ${supported}.`,
      'UnsupportedApiVersion',
    );
  }
  if (!version && (UNVERSIONED_RESOURCES as readonly string[]).includes(path.split('/')[0]?.toLowerCase() ?? '')) {
    throw new BadRequestError(
      `The request URL must start with an API version (${supported}), e.g. /v2/${path}.`,
      'ApiVersionMissing',
    );
  }
  const allowed = methodsAllowedOn(`/${path}`);
  if (allowed.length > 0) {
    throw new MethodNotAllowedError(`${request.method} is not allowed on /${path}.`, allowed);
  }
  throw new NotFoundError(`No resource matches ${request.method} /${path}.`);
}

/** The methods of the DICOMweb routes whose template matches the path (none for unknown paths). */
function methodsAllowedOn(path: string): string[] {
  templates ??= routeGroups()
    .filter((group) => !group.functionName.startsWith('zz-'))
    .map((group) => ({ template: compileRouteTemplate(group.template), methods: group.methods }));
  const allowed = new Set<string>();
  for (const { template, methods } of templates) {
    if (template.match(path)) for (const method of methods) allowed.add(method);
  }
  return [...allowed].sort();
}
