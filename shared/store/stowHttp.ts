import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { versionPath } from '../partitions/partitionRoute';
import { getConfig } from '../config';
import { publicBaseUrl } from '../http/publicBaseUrl';
import type { RouteContext } from '../http/routeTable';
import type { StowRequest } from './storeService';
import type { StowResponse } from './stowResponse';

/** Maps a Functions request onto the STOW service's input; the body stays a stream. */
export function stowRequestFrom(
  request: HttpRequest,
  context: InvocationContext,
  route: RouteContext,
  studyInstanceUid: string | undefined,
): StowRequest {
  return {
    body: request.body as WebReadableStream<Uint8Array> | null,
    contentType: request.headers.get('content-type'),
    contentLength: request.headers.get('content-length'),
    accept: request.headers.get('accept'),
    apiVersion: route.apiVersion,
    // RetrieveURLs: from DICOM_PUBLIC_BASE_URL, else the request's validated scheme and Host.
    versionBaseUrl: `${publicBaseUrl(request.url, getConfig().store.publicBaseUrl)}/${versionPath(route.apiVersion)}`,
    studyInstanceUid,
    log: (message) => context.warn(message),
  };
}

export function stowHttpResponse(response: StowResponse): HttpResponseInit {
  if (response.body === undefined) return { status: response.status };
  return {
    status: response.status,
    headers: { 'Content-Type': 'application/dicom+json' },
    body: JSON.stringify(response.body),
  };
}
