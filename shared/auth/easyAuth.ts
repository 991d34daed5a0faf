import type { AuthConfig } from './authConfig';
import { resolveRoles, type Principal } from './principal';

/** The header App Service Authentication ("Easy Auth") sets after it has validated the caller. */
export const EASY_AUTH_HEADER = 'x-ms-client-principal';

const ROLE_CLAIM = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
const OBJECT_ID_CLAIMS = ['http://schemas.microsoft.com/identity/claims/objectidentifier', 'oid'];
const TENANT_ID_CLAIMS = ['http://schemas.microsoft.com/identity/claims/tenantid', 'tid'];
const GROUP_CLAIMS = ['groups', 'http://schemas.microsoft.com/ws/2008/06/identity/claims/groups'];

interface ClientPrincipal {
  readonly claims: readonly { readonly typ: string; readonly val: string }[];
  readonly roleType: string;
}

/**
 * The principal of a trusted `x-ms-client-principal` header (base64 JSON: `auth_typ`, `claims`
 * as `{typ, val}`, `role_typ`); undefined when it is malformed or names another tenant.
 * Only call this when AUTH_TRUST_EASY_AUTH is on and the platform reports App Service
 * Authentication on (WEBSITE_AUTH_ENABLED): only then does it strip incoming copies of the header;
 * otherwise any caller can send one.
 */
export function easyAuthPrincipal(header: string, config: AuthConfig): Principal | undefined {
  const parsed = parse(header);
  if (!parsed) return undefined;
  const values = (types: readonly string[]): string[] =>
    parsed.claims.filter((claim) => types.includes(claim.typ)).map((claim) => claim.val);
  const tenant = values(TENANT_ID_CLAIMS)[0];
  if (config.tenantId && tenant !== undefined && tenant.toLowerCase() !== config.tenantId) return undefined;
  const objectId = values(OBJECT_ID_CLAIMS)[0];
  const roles = values([parsed.roleType, 'roles', ROLE_CLAIM]);
  return { source: 'easyAuth', objectId, roles: resolveRoles(roles, objectId, values(GROUP_CLAIMS), config) };
}

function parse(header: string): ClientPrincipal | undefined {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const { claims, role_typ: roleType } = json as { claims?: unknown; role_typ?: unknown };
  if (!Array.isArray(claims)) return undefined;
  const valid = claims.filter(
    (claim): claim is { typ: string; val: string } =>
      typeof claim === 'object' &&
      claim !== null &&
      typeof (claim as { typ?: unknown }).typ === 'string' &&
      typeof (claim as { val?: unknown }).val === 'string',
  );
  return { claims: valid, roleType: typeof roleType === 'string' ? roleType : ROLE_CLAIM };
}
