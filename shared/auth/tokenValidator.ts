import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { AuthConfig } from './authConfig';

/** The outcome of validating a bearer token; `reason` is a code for the log, never shown to clients. */
export type TokenValidation =
  { readonly valid: true; readonly claims: JWTPayload } | { readonly valid: false; readonly reason: string };

export type TokenValidator = (token: string) => Promise<TokenValidation>;

/** Entra ID signs access tokens with RS256; anything else (none, HS256, ...) is refused. */
const ALGORITHMS = ['RS256'];
const JWKS_TIMEOUT_MS = 5000;
/** Signing keys are re-read at least this often even without an unknown `kid`. */
const JWKS_MAX_AGE_MS = 60 * 60 * 1000;

/** Thrown when the signing keys cannot be obtained: our problem, not the caller's (503). */
export class KeySetUnavailableError extends Error {}

/**
 * Validates Entra ID access tokens with jose: RS256 signature against the tenant's published keys
 * (downloaded once, cached, downloaded again when a token names an unknown `kid`, at most once per
 * cooldown), issuer, audience, `exp` and `nbf` with the configured clock tolerance, and `tid`.
 */
export function createTokenValidator(config: AuthConfig): TokenValidator {
  if (!config.jwksUrl || !config.tenantId) throw new Error('Token validation needs a tenant and a key set URL.');
  const keySet = createRemoteJWKSet(new URL(config.jwksUrl), {
    timeoutDuration: JWKS_TIMEOUT_MS,
    cooldownDuration: config.jwksCooldownSeconds * 1000,
    cacheMaxAge: JWKS_MAX_AGE_MS,
  });
  const tenantId = config.tenantId;
  return async (token) => {
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keySet, {
        algorithms: ALGORITHMS,
        issuer: [...config.issuers],
        audience: [...config.audiences],
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ['exp', 'iss', 'aud'],
      }));
    } catch (error) {
      if (isKeySetFailure(error))
        throw new KeySetUnavailableError('The signing keys could not be read.', { cause: error });
      if (error instanceof errors.JWTClaimValidationFailed)
        return { valid: false, reason: `${error.code} (${error.claim})` };
      return { valid: false, reason: error instanceof errors.JOSEError ? error.code : 'ERR_MALFORMED' };
    }
    if (typeof claims.tid === 'string' && claims.tid.toLowerCase() !== tenantId) {
      return { valid: false, reason: 'ERR_OTHER_TENANT' };
    }
    return { valid: true, claims };
  };
}

/** Failures to download or read the key set, as opposed to a token that does not validate. */
function isKeySetFailure(error: unknown): boolean {
  if (error instanceof errors.JOSEError) {
    // The plain JOSEError is what jose throws for a non-200 or unreadable key set response.
    return (
      error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error.code === 'ERR_JOSE_GENERIC'
    );
  }
  // fetch itself failed (connection refused, DNS, TLS).
  return true;
}
