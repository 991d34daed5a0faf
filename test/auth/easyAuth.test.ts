// App Service Authentication ("Easy Auth"): x-ms-client-principal is trusted when AUTH_TRUST_EASY_AUTH is on
// and the platform reports App Service Authentication on. Off: see easyAuthPlatformOff.test.ts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { makeDicom } from '../support/dicomFactory';
import { multipartBody, multipartRelated, newBoundary } from '../support/multipartBody';
import { useTestServer } from '../support/serverFixture';
import { post, type StowResult } from '../support/stowClient';
import { AUDIENCE, OTHER_TENANT, TENANT } from './tokenIssuer';

const ROLE_CLAIM = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
const OID_CLAIM = 'http://schemas.microsoft.com/identity/claims/objectidentifier';
const TID_CLAIM = 'http://schemas.microsoft.com/identity/claims/tenantid';
const MAPPED_OWNER = randomUUID();

function principal(claims: { typ: string; val: string }[]): string {
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', claims, name_typ: 'name', role_typ: ROLE_CLAIM })).toString(
    'base64',
  );
}

describe('Easy Auth principal (AUTH_TRUST_EASY_AUTH=true, WEBSITE_AUTH_ENABLED=True)', () => {
  const ctx = useTestServer({
    env: {
      AUTH_ENABLED: 'true',
      AUTH_TENANT_ID: TENANT,
      AUTH_AUDIENCES: AUDIENCE,
      AUTH_TRUST_EASY_AUTH: 'true',
      // As the platform writes it while App Service Authentication is on.
      WEBSITE_AUTH_ENABLED: 'True',
      AUTH_ROLE_MAP: JSON.stringify({ [MAPPED_OWNER]: 'DicomDataOwner' }),
    },
  });

  function store(header: string | undefined): Promise<StowResult> {
    const boundary = newBoundary();
    return post(`${ctx.baseUrl}/v2/studies`, multipartBody([{ body: makeDicom() }], boundary), {
      'Content-Type': multipartRelated(boundary),
      ...(header === undefined ? {} : { 'x-ms-client-principal': header }),
    });
  }

  test('an Owner principal stores (200); a Reader principal is refused (403)', async () => {
    const owner = principal([
      { typ: TID_CLAIM, val: TENANT },
      { typ: ROLE_CLAIM, val: 'DicomDataOwner' },
    ]);
    assert.equal((await store(owner)).status, 200);
    const reader = principal([{ typ: 'roles', val: 'DicomDataReader' }]);
    assert.equal((await store(reader)).status, 403);
  });

  test('AUTH_ROLE_MAP applies to the principal object id', async () => {
    assert.equal((await store(principal([{ typ: OID_CLAIM, val: MAPPED_OWNER }]))).status, 200);
    assert.equal((await store(principal([{ typ: OID_CLAIM, val: randomUUID() }]))).status, 403);
  });

  test('a principal of another tenant, or an unreadable one, is 401', async () => {
    const foreign = principal([
      { typ: TID_CLAIM, val: OTHER_TENANT },
      { typ: ROLE_CLAIM, val: 'DicomDataOwner' },
    ]);
    const response = await store(foreign);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    assert.equal((await store('not base64 json')).status, 401);
  });

  test('without the header, a bearer token is still required', async () => {
    const response = await store(undefined);
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  });
});
