import type { AuthConfig } from './authConfig';
import { isRole, type Role } from './permissions';

/** Who made a request, as far as authorization cares. */
export interface Principal {
  readonly source: 'bearer' | 'easyAuth';
  /** The user's or service principal's object id (`oid`), if the credentials carry one. */
  readonly objectId: string | undefined;
  readonly roles: ReadonlySet<Role>;
}

/**
 * The caller's roles: app roles from the credentials (`roles`), plus what AUTH_ROLE_MAP grants to
 * its object id or to any of its groups (tokens for the tutorials' resource carry no app roles).
 */
export function resolveRoles(
  claimedRoles: readonly unknown[],
  objectId: string | undefined,
  groupIds: readonly unknown[],
  config: AuthConfig,
): ReadonlySet<Role> {
  const roles = new Set<Role>(claimedRoles.filter(isRole));
  for (const id of [objectId, ...groupIds]) {
    if (typeof id !== 'string') continue;
    for (const role of config.roleMap.get(id.toLowerCase()) ?? []) roles.add(role);
  }
  return roles;
}

/** A claim that may be a string or an array of strings, as an array. */
export function claimList(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  return value === undefined ? [] : [value];
}
