/**
 * Roles and permissions, as the Azure DICOM service defines them, mapped in this one place.
 * DICOM Data Reader may retrieve, search and read the change feed; DICOM Data Owner may do
 * everything, store and delete included.
 */

/** What a route requires. */
export type Permission = 'read' | 'write';

/** What a registered function requires: a permission, or nothing at all (health). */
export type RouteAccess = Permission | 'anonymous';

/** App role values (the `roles` claim, and the values of AUTH_ROLE_MAP). */
export const ROLES = ['DicomDataReader', 'DicomDataOwner'] as const;
export type Role = (typeof ROLES)[number];

const PERMISSIONS_OF_ROLE: Readonly<Record<Role, readonly Permission[]>> = {
  DicomDataReader: ['read'],
  DicomDataOwner: ['read', 'write'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Every permission any of the roles grants. */
export function permissionsOf(roles: Iterable<Role>): ReadonlySet<Permission> {
  const granted = new Set<Permission>();
  for (const role of roles) for (const permission of PERMISSIONS_OF_ROLE[role]) granted.add(permission);
  return granted;
}

/** A route's permission: the explicit one if it has one, otherwise read for GET/HEAD and write for the rest. */
export function requiredPermission(method: string, explicit: Permission | undefined): Permission {
  if (explicit) return explicit;
  const upper = method.toUpperCase();
  return upper === 'GET' || upper === 'HEAD' ? 'read' : 'write';
}
