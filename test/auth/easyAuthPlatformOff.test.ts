// AUTH_TRUST_EASY_AUTH=true while App Service Authentication is off (WEBSITE_AUTH_ENABLED unset): the platform
// does not strip x-ms-client-principal then, so a forged one must grant nothing. On: see easyAuth.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeDicom } from '../support/dicomFactory';
import { multipartBody, multipartRelated, newBoundary } from '../support/multipartBody';
import { useTestServer } from '../support/serverFixture';
import { post, type StowResult } from '../support/stowClient';
import {
  AUDIENCE,
  newSigningKey,
  signToken,
  startKeySetServer,
  TENANT,
  type KeySetServer,
  type SigningKey,
} from './tokenIssuer';

const ROLE_CLAIM = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';
const TID_CLAIM = 'http://schemas.microsoft.com/identity/claims/tenantid';

/** What an attacker would send: a well-formed principal of the right tenant claiming the Owner role. */
const FORGED_OWNER = Buffer.from(
  JSON.stringify({
    auth_typ: 'aad',
    claims: [
      { typ: TID_CLAIM, val: TENANT },
      { typ: ROLE_CLAIM, val: 'DicomDataOwner' },
    ],
    role_typ: ROLE_CLAIM,
  }),
).toString('base64');

describe('Easy Auth principal with App Service Authentication off', () => {
  const env: Record<string, string> = {
    AUTH_ENABLED: 'true',
    AUTH_TENANT_ID: TENANT,
    AUTH_AUDIENCES: AUDIENCE,
    AUTH_TRUST_EASY_AUTH: 'true',
  };
  let key: SigningKey;
  let jwks: KeySetServer;
  // Registered before useTestServer's own hook, so the settings are in place when the server starts.
  before(async () => {
    delete process.env.WEBSITE_AUTH_ENABLED;
    key = await newSigningKey();
    jwks = await startKeySetServer([key]);
    env.AUTH_JWKS_URL = jwks.url;
  });
  after(() => jwks.close());
  const ctx = useTestServer({ env });

  function store(headers: Record<string, string>): Promise<StowResult> {
    const boundary = newBoundary();
    return post(`${ctx.baseUrl}/v2/studies`, multipartBody([{ body: makeDicom() }], boundary), {
      'Content-Type': multipartRelated(boundary),
      ...headers,
    });
  }

  test('a forged Owner principal without a bearer token is refused (401) and told why', async () => {
    const response = await store({ 'x-ms-client-principal': FORGED_OWNER });
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    assert.match(response.text, /x-ms-client-principal header is not trusted/);
    assert.match(response.text, /App Service Authentication is not enabled/);
  });

  test('beside a bearer token the header is ignored: the token alone decides', async () => {
    const reader = await signToken({ key, claims: { roles: ['DicomDataReader'] } });
    const asReader = await store({ Authorization: `Bearer ${reader}`, 'x-ms-client-principal': FORGED_OWNER });
    assert.equal(asReader.status, 403, asReader.text);
    const owner = await signToken({ key, claims: { roles: ['DicomDataOwner'] } });
    const asOwner = await store({ Authorization: `Bearer ${owner}`, 'x-ms-client-principal': FORGED_OWNER });
    assert.equal(asOwner.status, 200, asOwner.text);
  });
});
