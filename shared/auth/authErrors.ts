import { DicomWebError } from '../errors';

/** A typed error whose response carries headers of its own (errorResponse adds them). */
export abstract class DicomWebErrorWithHeaders extends DicomWebError {
  abstract readonly headers: Readonly<Record<string, string>>;
}

const BEARER_REQUIRED = 'Authentication failed: a valid Microsoft Entra ID bearer token is required.';

/**
 * 401: no credentials, or credentials that do not validate. The message is the same whatever the
 * token's fault, so it tells an attacker nothing; the reason goes to the log as a code.
 */
export class UnauthorizedError extends DicomWebErrorWithHeaders {
  readonly status = 401;
  readonly code = 'Unauthorized';
  readonly headers: Readonly<Record<string, string>>;
  /** `tokenPresent`: RFC 6750 says `error="invalid_token"` then, and a bare challenge otherwise. */
  constructor(tokenPresent: boolean, message = BEARER_REQUIRED) {
    super(message);
    this.headers = { 'WWW-Authenticate': tokenPresent ? 'Bearer error="invalid_token"' : 'Bearer' };
  }
}

/**
 * 401 for an `x-ms-client-principal` header sent without a bearer token while App Service
 * Authentication is off: the platform does not strip such headers then, so anyone could forge one.
 * Saying so is safe (it only restates the deployment's settings) and saves its operator a search.
 */
export class UntrustedPrincipalHeaderError extends UnauthorizedError {
  constructor() {
    super(
      false,
      'Authentication failed: the x-ms-client-principal header is not trusted because App Service ' +
        'Authentication is not enabled (WEBSITE_AUTH_ENABLED); a valid Microsoft Entra ID bearer token is required.',
    );
  }
}

/** 403: the caller is authenticated but none of its roles grants what the route requires. */
export class ForbiddenError extends DicomWebError {
  readonly status = 403;
  readonly code = 'Forbidden';
  constructor() {
    super('The caller does not have the role this operation requires.');
  }
}
