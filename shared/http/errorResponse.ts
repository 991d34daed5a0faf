import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { DicomWebErrorWithHeaders } from '../auth/authErrors';
import { DicomWebError, MethodNotAllowedError, WorkitemError } from '../errors';

/**
 * The one place where errors become HTTP responses. DicomWebErrors carry a client-safe message;
 * anything else is logged with the invocation id and answered with a plain 500 that reveals nothing.
 */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof DicomWebError) {
    if (error.status >= 500) context.warn(`${error.code}: ${error.message}`);
    if (error instanceof WorkitemError) return workitemResponse(error);
    // e.g. 401's WWW-Authenticate challenge
    const extra =
      error instanceof DicomWebErrorWithHeaders
        ? error.headers
        : error instanceof MethodNotAllowedError
          ? { Allow: error.allow.join(', ') }
          : {};
    return textResponse(error.status, error.message, extra);
  }
  context.error(`Unhandled error in ${context.functionName} (${context.invocationId}):`, error);
  return textResponse(500, `An internal error occurred. Reference: ${context.invocationId}`);
}

function textResponse(
  status: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): HttpResponseInit {
  return {
    status,
    headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
    body: message,
  };
}

/** UPS-RS failures: a JSON string literal, as the Azure service writes them, and its Warning if any. */
function workitemResponse(error: WorkitemError): HttpResponseInit {
  const headers: Record<string, string> = { 'Content-Type': 'application/dicom+json' };
  if (error.warning !== undefined) headers.Warning = error.warning;
  return { status: error.status, headers, body: JSON.stringify(error.message) };
}
