import { randomBytes } from 'node:crypto';

/** Identifies one instance, as the Azure DICOM service does: by all three UIDs. */
export interface InstanceKey {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
}

/**
 * Every stored instance gets a fresh version id, and its blobs live under that version. A failed
 * or abandoned attempt therefore never overwrites a committed one, and clean-up can delete
 * exactly the blobs of one attempt. Time-ordered, so listings sort oldest first.
 */
export function newVersion(): string {
  return `${Date.now().toString(36).padStart(9, '0')}-${randomBytes(6).toString('hex')}`;
}

export function versionPrefix(key: InstanceKey, version: string): string {
  return `${key.studyInstanceUid}/${key.seriesInstanceUid}/${key.sopInstanceUid}/${version}/`;
}

/** The DICOM file as sent (preamble zeroed). */
export function fileBlobName(key: InstanceKey, version: string): string {
  return `${versionPrefix(key, version)}file.dcm`;
}

/** The instance's DICOM JSON without bulk data, so metadata reads never parse the file. */
export function metadataBlobName(key: InstanceKey, version: string): string {
  return `${versionPrefix(key, version)}metadata.json`;
}

/** Frame byte ranges, when they are too large to keep on the instance entity. */
export function framesBlobName(key: InstanceKey, version: string): string {
  return `${versionPrefix(key, version)}frames.json`;
}

/** When the attempt that made `version` began (its time part), if the version is one of ours. */
export function versionTime(version: string): Date | undefined {
  const base36 = /^([0-9a-z]{9})-/.exec(version)?.[1];
  if (base36 === undefined) return undefined;
  const ms = parseInt(base36, 36);
  return Number.isSafeInteger(ms) ? new Date(ms) : undefined;
}

/**
 * The version of the `attempt`-th instance of a request: the request's own version, a dot, and the
 * attempt's number, so that one pending marker per request and study covers all of them
 * (docs/consistency.md) and recovery finds them by a range of versions.
 */
export function attemptVersion(requestVersion: string, attempt: number): string {
  return `${requestVersion}.${attempt.toString(36)}`;
}

/** The request version an attempt version belongs to; undefined for versions of earlier releases. */
export function requestOfVersion(version: string): string | undefined {
  const dot = version.indexOf('.');
  return dot > 0 ? version.slice(0, dot) : undefined;
}
