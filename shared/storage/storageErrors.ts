import { ServiceUnavailableError } from '../errors';

/** The HTTP status of a storage SDK error (RestError and friends), if it has one. */
export function storageStatus(error: unknown): number | undefined {
  if (typeof error === 'object' && error !== null && 'statusCode' in error) {
    const status = (error as { statusCode?: unknown }).statusCode;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

export function isStorageStatus(error: unknown, ...statuses: number[]): boolean {
  const status = storageStatus(error);
  return status !== undefined && statuses.includes(status);
}

/**
 * Storage throttling and outages reach the client as 503 (retry later), not as a 500:
 * the request was fine, the dependency was not.
 */
export function asServiceUnavailable(error: unknown, what: string): unknown {
  const status = storageStatus(error);
  if (status === 503 || status === 500 || isConnectionFailure(error)) {
    return new ServiceUnavailableError(`Storage is unavailable (${what}); try again later.`, { cause: error });
  }
  return error;
}

function isConnectionFailure(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === 'REQUEST_SEND_ERROR';
}
