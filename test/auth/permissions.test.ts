// Roles to permissions, and the permission a route requires, in one table each.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { permissionsOf, requiredPermission, type Permission, type Role } from '../../shared/auth/permissions';
import { resolveRoles } from '../../shared/auth/principal';
import { parseAuthConfig } from '../../shared/auth/authConfig';

describe('roles and permissions', () => {
  const grants: [Role[], Permission[]][] = [
    [[], []],
    [['DicomDataReader'], ['read']],
    [['DicomDataOwner'], ['read', 'write']],
    [
      ['DicomDataReader', 'DicomDataOwner'],
      ['read', 'write'],
    ],
  ];
  for (const [roles, permissions] of grants) {
    test(`${roles.join('+') || 'no role'} grants ${permissions.join('+') || 'nothing'}`, () => {
      assert.deepEqual([...permissionsOf(roles)].sort(), permissions);
    });
  }

  const routes: [string, Permission | undefined, Permission][] = [
    ['GET', undefined, 'read'],
    ['head', undefined, 'read'],
    ['POST', undefined, 'write'],
    ['PUT', undefined, 'write'],
    ['DELETE', undefined, 'write'],
    ['PATCH', undefined, 'write'],
    ['POST', 'read', 'read'],
    ['GET', 'write', 'write'],
  ];
  for (const [method, explicit, expected] of routes) {
    test(`${method} with ${explicit ?? 'no explicit permission'} requires ${expected}`, () => {
      assert.equal(requiredPermission(method, explicit), expected);
    });
  }

  test('claimed roles plus AUTH_ROLE_MAP by object id and group; unknown role values ignored', () => {
    const oid = 'aaaaaaaa-1111-2222-3333-444444444444';
    const group = 'bbbbbbbb-1111-2222-3333-444444444444';
    const config = parseAuthConfig(
      {
        DICOMWEB_LOCAL_HOST: '1',
        AUTH_ROLE_MAP: JSON.stringify({ [oid]: 'DicomDataOwner', [group]: 'DicomDataReader' }),
      },
      [],
    );
    assert.deepEqual([...resolveRoles(['Admin', 'DicomDataReader'], undefined, [], config)], ['DicomDataReader']);
    assert.deepEqual([...resolveRoles([], oid.toUpperCase(), [], config)], ['DicomDataOwner']);
    assert.deepEqual(
      [...resolveRoles([], 'cccccccc-1111-2222-3333-444444444444', [group, 7], config)],
      ['DicomDataReader'],
    );
    assert.deepEqual([...resolveRoles([], undefined, [], config)], []);
  });
});
