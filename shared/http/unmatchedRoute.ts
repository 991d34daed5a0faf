import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { BadRequestError, NotFoundError } from '../errors';
import { API_VERSIONS } from './apiVersion';

const DICOMWEB_RESOURCES = /^(studies|series|instances|changefeed|extendedquerytags|workitems|operations)(\/|$)/i;

/**
 * Explains why nothing matched: an API version the service does not have (as the Azure DICOM
 * service answers, 400), a DICOMweb path without a version, or an unknown resource (404).
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
  if (DICOMWEB_RESOURCES.test(path)) {
    throw new BadRequestError(
      `The request URL must start with an API version (${supported}), e.g. /v2/${path}.`,
      'ApiVersionMissing',
    );
  }
  throw new NotFoundError(`No resource matches ${request.method} /${path}.`);
}
