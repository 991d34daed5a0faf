/** What every UPS-RS route shares: headers, UIDs in the path and query, the Warning header, URLs. */
import type { HttpRequest } from '@azure/functions';
import { versionPath } from '../partitions/partitionRoute';
import { isValidUid } from '../dicom/uid';
import { getConfig } from '../config';
import { NotAcceptableError, WorkitemError } from '../errors';
import type { ApiVersion } from '../http/apiVersion';
import { acceptsMediaType } from '../http/negotiation';
import { publicBaseUrl } from '../http/publicBaseUrl';
import { DICOM_JSON } from './workitemBody';

/** Retrieve, search and create answer only application/dicom+json; create insists on the header. */
export function requireDicomJsonAccept(request: HttpRequest, headerRequired = false): void {
  const accept = request.headers.get('accept');
  if ((headerRequired && accept === null) || !acceptsMediaType(accept, DICOM_JSON)) {
    throw new NotAcceptableError(`Workitems are answered as ${DICOM_JSON}; the Accept header does not allow it.`);
  }
}

/** A workitem or transaction UID from the path or query; 400 (JSON string) when malformed. */
export function requireUid(value: string | undefined, what: string): string {
  if (value === undefined || !isValidUid(value)) {
    throw new WorkitemError(
      400,
      `The ${what} '${value ?? ''}' is invalid: a UID has 1 to 64 characters (digits, letters and '-', in components separated by single dots).`,
    );
  }
  return value;
}

/** `POST /workitems?{uid}` and `POST /workitems/{uid}?{transaction}`: the UID is the first query key. */
export function firstQueryKey(request: HttpRequest): string | undefined {
  for (const key of request.query.keys()) return key;
  return undefined;
}

export function workitemUrl(request: HttpRequest, apiVersion: ApiVersion, uid: string): string {
  return `${publicBaseUrl(request.url, getConfig().store.publicBaseUrl)}/${versionPath(apiVersion)}/workitems/${uid}`;
}

/** `299 {host}: "{message}"`, the Azure service's Warning header. */
export function warningHeader(request: HttpRequest, message: string): string {
  const host = new URL(publicBaseUrl(request.url, getConfig().store.publicBaseUrl)).host;
  return `299 ${host}: "${message}"`;
}

/** Now, as a DT value in UTC (YYYYMMDDHHMMSS.FFFFFF). */
export function nowDateTime(): string {
  const iso = new Date().toISOString(); // 2026-12-07T01:02:03.456Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}.${iso.slice(20, 23)}000`;
}
