import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import { DicomWebErrorWithHeaders } from '../auth/authErrors';
import { DicomWebError, MethodNotAllowedError } from '../errors';

/**
 * The one place where errors become HTTP responses. DicomWebErrors carry a client-safe message;
 * anything else is logged with the invocation id and answered with a plain 500 that reveals nothing.
 */
export function errorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof DicomWebError) {
    if (error.status >= 500) context.warn(`${error.code}: ${error.message}`);
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
