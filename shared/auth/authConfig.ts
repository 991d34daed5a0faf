import { isRole, ROLES, type Role } from './permissions';

/** The auth section of the configuration (see docs/auth.md for every setting). */
export interface AuthConfig {
  readonly enabled: boolean;
  /** Where `enabled` came from, for the start-up line and the log. */
  readonly enabledBy: 'AUTH_ENABLED' | 'local host default' | 'deployed default';
  /** The directory (tenant) id, a GUID; undefined only with auth off. */
  readonly tenantId: string | undefined;
  /** Accepted `aud` values. */
  readonly audiences: readonly string[];
  /** Accepted `iss` values (v1 and v2 forms of the tenant unless AUTH_ISSUERS says otherwise). */
  readonly issuers: readonly string[];
  /** The tenant's signing keys (JWKS). */
  readonly jwksUrl: string | undefined;
  /** Object id (user, service principal or group), lower case, to the roles it is granted. */
  readonly roleMap: ReadonlyMap<string, readonly Role[]>;
  /** AUTH_TRUST_EASY_AUTH: accept App Service Authentication's `x-ms-client-principal` header. */
  readonly trustEasyAuth: boolean;
  /**
   * The platform says App Service Authentication is on (WEBSITE_AUTH_ENABLED). Only then does it
   * strip client-sent `x-ms-client-principal` headers, so only then is trustEasyAuth honoured.
   */
  readonly appServiceAuthEnabled: boolean;
  /** Least time between two JWKS downloads triggered by an unknown `kid`. */
  readonly jwksCooldownSeconds: number;
  /** Allowed clock difference for `exp` and `nbf`. */
  readonly clockToleranceSeconds: number;
}

/** The local host (npm start, tests) sets this; the Functions host does not (host/functionsHost/functionsHost.ts). */
export const LOCAL_HOST_SETTING = 'DICOMWEB_LOCAL_HOST';
/** Set by the platform (`True`) while App Service Authentication runs in front of the app. */
const APP_SERVICE_AUTH_SETTING = 'WEBSITE_AUTH_ENABLED';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const CLOCK_TOLERANCE_SECONDS = 300;

/** Whether this process is the Functions host (deployed, or Core Tools) rather than the local host. */
export function isFunctionsHost(env: NodeJS.ProcessEnv): boolean {
  return env[LOCAL_HOST_SETTING] !== '1';
}

/**
 * Reads the AUTH_* settings. Problems are appended to `problems` (never with a setting's value
 * when it may hold something private), so the caller can report every problem at once.
 */
export function parseAuthConfig(env: NodeJS.ProcessEnv, problems: string[]): AuthConfig {
  const explicit = flag(env, 'AUTH_ENABLED', problems);
  const deployed = isFunctionsHost(env);
  const enabled = explicit ?? deployed;
  const enabledBy = explicit !== undefined ? 'AUTH_ENABLED' : deployed ? 'deployed default' : 'local host default';

  const tenantId = nonEmpty(env.AUTH_TENANT_ID)?.toLowerCase();
  if (tenantId !== undefined && !GUID.test(tenantId)) {
    problems.push('AUTH_TENANT_ID must be the directory (tenant) ID, a GUID');
  }
  const audiences = list(env.AUTH_AUDIENCES);
  const explicitIssuers = list(env.AUTH_ISSUERS);
  const issuers =
    explicitIssuers.length > 0
      ? explicitIssuers
      : tenantId
        ? [`https://sts.windows.net/${tenantId}/`, `https://login.microsoftonline.com/${tenantId}/v2.0`]
        : [];
  const jwksUrl =
    nonEmpty(env.AUTH_JWKS_URL) ??
    (tenantId ? `https://login.microsoftonline.com/${tenantId}/discovery/v2.0/keys` : undefined);
  if (jwksUrl !== undefined && !isAcceptableKeySetUrl(jwksUrl)) {
    problems.push('AUTH_JWKS_URL must be an https URL (http only on localhost)');
  }
  const roleMap = parseRoleMap(env.AUTH_ROLE_MAP, problems);
  const trustEasyAuth = flag(env, 'AUTH_TRUST_EASY_AUTH', problems) ?? false;
  // The platform's setting, not ours: anything but "true" means off, never a problem.
  const appServiceAuthEnabled = nonEmpty(env[APP_SERVICE_AUTH_SETTING])?.toLowerCase() === 'true';
  const jwksCooldownSeconds = seconds(env, 'AUTH_JWKS_COOLDOWN_SECONDS', 30, 3600, problems);

  if (enabled) {
    const why = enabledBy === 'deployed default' ? ' (authentication is on by default when deployed)' : '';
    if (!tenantId) problems.push(`AUTH_TENANT_ID is required when authentication is enabled${why}`);
    if (audiences.length === 0) {
      problems.push(
        `AUTH_AUDIENCES is required when authentication is enabled${why}: the app's Application ID URI and/or client id`,
      );
    }
  }
  return {
    enabled,
    enabledBy,
    tenantId,
    audiences,
    issuers,
    jwksUrl,
    roleMap,
    trustEasyAuth,
    appServiceAuthEnabled,
    jwksCooldownSeconds,
    clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
  };
}

/** AUTH_ROLE_MAP: `{"<object id>": "DicomDataOwner", "<group id>": ["DicomDataReader"]}`. */
export function parseRoleMap(raw: string | undefined, problems: string[]): ReadonlyMap<string, readonly Role[]> {
  const map = new Map<string, readonly Role[]>();
  const text = nonEmpty(raw);
  if (text === undefined) return map;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push('AUTH_ROLE_MAP is not valid JSON');
    return map;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push('AUTH_ROLE_MAP must be a JSON object from object id to role');
    return map;
  }
  for (const [id, value] of Object.entries(parsed)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (!GUID.test(id.trim())) {
      problems.push('AUTH_ROLE_MAP keys must be object ids (GUIDs)');
    } else if (values.length === 0 || !values.every(isRole)) {
      problems.push(`AUTH_ROLE_MAP values must be ${ROLES.join(' or ')} (or an array of them)`);
    } else {
      map.set(id.trim().toLowerCase(), [...new Set(values.filter(isRole))]);
    }
  }
  return map;
}

function isAcceptableKeySetUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  } catch {
    return false;
  }
}

function flag(env: NodeJS.ProcessEnv, name: string, problems: string[]): boolean | undefined {
  const raw = nonEmpty(env[name])?.toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  problems.push(`${name} must be true or false`);
  return undefined;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number, problems: string[]): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    problems.push(`${name} must be an integer from 0 to ${max}`);
    return fallback;
  }
  return value;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
