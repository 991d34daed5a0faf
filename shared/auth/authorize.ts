import type { HttpRequest, InvocationContext } from '@azure/functions';
import { ServiceUnavailableError } from '../errors';
import type { AuthConfig } from './authConfig';
import { ForbiddenError, UnauthorizedError, UntrustedPrincipalHeaderError } from './authErrors';
import { EASY_AUTH_HEADER, easyAuthPrincipal } from './easyAuth';
import { permissionsOf, requiredPermission, type RouteAccess } from './permissions';
import { claimList, resolveRoles, type Principal } from './principal';
import { createTokenValidator, KeySetUnavailableError, type TokenValidator } from './tokenValidator';

// One validator (and so one cached key set) per configuration, i.e. per worker.
const validators = new WeakMap<AuthConfig, TokenValidator>();
// Configurations already warned about, so a worker logs the warning once, not per request.
const warned = new WeakSet<AuthConfig>();

/**
 * Checks that the request may do what the route requires. Returns the principal, or undefined
 * when no check applies (auth off, anonymous route); throws 401, 403, or 503 when the signing keys
 * cannot be read. Logs reasons as codes: never a token.
 */
export async function authorizeRequest(
  request: HttpRequest,
  context: InvocationContext,
  access: RouteAccess | undefined,
  config: AuthConfig,
): Promise<Principal | undefined> {
  if (!config.enabled) return undefined;
  warnOnceIfEasyAuthUntrusted(config, context);
  if (access === 'anonymous') return undefined;
  const principal = await authenticate(request, context, config);
  const permission = requiredPermission(request.method, access);
  if (!permissionsOf(principal.roles).has(permission)) {
    context.log(`Authorization: caller ${principal.objectId ?? '(no oid)'} lacks the ${permission} permission.`);
    throw new ForbiddenError();
  }
  return principal;
}

async function authenticate(request: HttpRequest, context: InvocationContext, config: AuthConfig): Promise<Principal> {
  const easyAuth = config.trustEasyAuth ? request.headers.get(EASY_AUTH_HEADER) : null;
  if (easyAuth && config.appServiceAuthEnabled) {
    const principal = easyAuthPrincipal(easyAuth, config);
    if (principal) return principal;
    context.log('Authentication failed: unreadable or foreign x-ms-client-principal.');
    throw new UnauthorizedError(true);
  }
  const token = bearerToken(request);
  if (token === undefined && easyAuth) {
    context.log('Authentication failed: x-ms-client-principal without a bearer token, App Service Authentication off.');
    throw new UntrustedPrincipalHeaderError();
  }
  if (token === undefined) throw new UnauthorizedError(false);

  let validator = validators.get(config);
  if (!validator) {
    validator = createTokenValidator(config);
    validators.set(config, validator);
  }
  let result: Awaited<ReturnType<TokenValidator>>;
  try {
    result = await validator(token);
  } catch (error) {
    if (!(error instanceof KeySetUnavailableError)) throw error;
    context.error(`Authentication unavailable: the signing keys at ${config.jwksUrl} could not be read:`, error.cause);
    throw new ServiceUnavailableError('Authentication is temporarily unavailable; retry later.');
  }
  if (!result.valid) {
    context.log(`Authentication failed: ${result.reason}.`);
    throw new UnauthorizedError(true);
  }
  const { claims } = result;
  const objectId = typeof claims.oid === 'string' ? claims.oid : undefined;
  return {
    source: 'bearer',
    objectId,
    roles: resolveRoles(claimList(claims.roles), objectId, claimList(claims.groups), config),
  };
}

/**
 * AUTH_TRUST_EASY_AUTH=true without App Service Authentication: the header is ignored (a forged one
 * would otherwise grant any role), and the operator most likely expected it to be used.
 */
function warnOnceIfEasyAuthUntrusted(config: AuthConfig, context: InvocationContext): void {
  if (!config.trustEasyAuth || config.appServiceAuthEnabled || warned.has(config)) return;
  warned.add(config);
  context.warn(
    'AUTH_TRUST_EASY_AUTH=true is ignored: WEBSITE_AUTH_ENABLED is not true, so App Service Authentication ' +
      'is off and x-ms-client-principal headers come from callers. Turn App Service Authentication on, or ' +
      'remove AUTH_TRUST_EASY_AUTH; until then only bearer tokens are accepted.',
  );
}

function bearerToken(request: HttpRequest): string | undefined {
  const header = request.headers.get('authorization');
  const match = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  return match?.[1];
}
