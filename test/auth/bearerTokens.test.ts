// Auth on, over HTTP, against a local JWKS: the real jose validation path, nothing mocked.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { makeDicom } from '../support/dicomFactory';
import { multipartBody, multipartRelated, newBoundary } from '../support/multipartBody';
import { useTestServer } from '../support/serverFixture';
import { post, type StowResult } from '../support/stowClient';
import {
  AUDIENCE,
  hmacWithPublicKey,
  issuerV1,
  issuerV2,
  newSigningKey,
  OTHER_TENANT,
  signToken,
  startKeySetServer,
  tamper,
  TENANT,
  TUTORIAL_AUDIENCE,
  unsignedToken,
  type KeySetServer,
  type SigningKey,
} from './tokenIssuer';

const MAPPED_OWNER = randomUUID();
const MAPPED_READER_GROUP = randomUUID();
const ORIGIN = 'https://viewer.example.org';

describe('Entra ID bearer tokens (auth on)', () => {
  const env: Record<string, string> = {
    AUTH_ENABLED: 'true',
    AUTH_TENANT_ID: TENANT,
    AUTH_AUDIENCES: `${AUDIENCE}, ${TUTORIAL_AUDIENCE}`,
    AUTH_ROLE_MAP: JSON.stringify({ [MAPPED_OWNER]: 'DicomDataOwner', [MAPPED_READER_GROUP]: ['DicomDataReader'] }),
    AUTH_JWKS_COOLDOWN_SECONDS: '0',
    DICOM_CORS_ALLOWED_ORIGINS: `${ORIGIN},http://localhost:3000`,
  };
  let jwks: KeySetServer;
  let key: SigningKey;
  // Registered before useTestServer's own hook, so the JWKS URL is in env when the server starts.
  before(async () => {
    key = await newSigningKey();
    jwks = await startKeySetServer([key]);
    env.AUTH_JWKS_URL = jwks.url;
  });
  const ctx = useTestServer({ env });

  const reader = (): Promise<string> => signToken({ key, claims: { roles: ['DicomDataReader'] } });
  const owner = (): Promise<string> => signToken({ key, claims: { roles: ['DicomDataOwner'] } });

  function store(token: string | undefined, headers: Record<string, string> = {}): Promise<StowResult> {
    const boundary = newBoundary();
    return post(`${ctx.baseUrl}/v2/studies`, multipartBody([{ body: makeDicom() }], boundary), {
      'Content-Type': multipartRelated(boundary),
      Accept: 'application/dicom+json',
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      ...headers,
    });
  }

  function read(token: string | undefined, path = '/v2/studies'): Promise<Response> {
    return fetch(`${ctx.baseUrl}${path}`, {
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    });
  }

  async function assertUnauthorized(response: Response | StowResult, challenge = 'Bearer error="invalid_token"') {
    assert.equal(response.status, 401);
    assert.equal(response.headers.get('www-authenticate'), challenge);
    const text = response instanceof Response ? await response.text() : response.text;
    assert.equal(text, 'Authentication failed: a valid Microsoft Entra ID bearer token is required.');
  }

  test('Owner may store (200)', async () => {
    const result = await store(await owner());
    assert.equal(result.status, 200, result.text);
  });

  test('Reader may not store (403) but may read', async () => {
    const stored = await store(await reader());
    assert.equal(stored.status, 403, stored.text);
    assert.equal(stored.text, 'The caller does not have the role this operation requires.');
    const response = await read(await reader());
    assert.ok(![401, 403].includes(response.status), `GET /v2/studies as Reader: ${response.status}`);
    const unknown = await read(await reader(), '/v2/no-such-resource');
    assert.equal(unknown.status, 404);
  });

  test('Reader may not delete (403)', async () => {
    const response = await fetch(`${ctx.baseUrl}/v2/studies/1.2.3`, {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${await reader()}` },
    });
    assert.equal(response.status, 403);
  });

  test('workitems: Reader may retrieve and search but not create or change state (403); Owner may', async () => {
    const workitem = async (token: string, method: string, path: string) =>
      (
        await fetch(`${ctx.baseUrl}/v2/${path}`, {
          method,
          headers: {
            Authorization: `Bearer ${token}`,
            Accept: 'application/dicom+json',
            'Content-Type': 'application/dicom+json',
          },
          body: method === 'GET' ? undefined : '[{}]',
        })
      ).status;
    const asReader = await reader();
    assert.equal(await workitem(asReader, 'POST', 'workitems?1.2.3'), 403);
    assert.equal(await workitem(asReader, 'PUT', 'workitems/1.2.3/state'), 403);
    assert.equal(await workitem(asReader, 'POST', 'workitems/1.2.3/cancelrequest'), 403);
    assert.equal(await workitem(asReader, 'POST', 'workitems/1.2.3'), 403);
    assert.equal(await workitem(asReader, 'GET', 'workitems/1.2.3'), 404);
    assert.equal(await workitem(asReader, 'GET', 'workitems?PatientID=X'), 204);
    // Past authorization: the empty dataset fails its requirements.
    assert.equal(await workitem(await owner(), 'POST', 'workitems?1.2.3'), 400);
  });

  test('a token without a known role may do nothing (403)', async () => {
    const token = await signToken({ key, claims: { roles: ['Something.Else'] } });
    assert.equal((await read(token)).status, 403);
  });

  test('v1 issuer and the tutorials audience are accepted', async () => {
    const token = await signToken({
      key,
      issuer: issuerV1(TENANT),
      audience: TUTORIAL_AUDIENCE,
      claims: { roles: ['DicomDataOwner'] },
    });
    assert.equal((await store(token)).status, 200);
  });

  test('no token, or another scheme: 401 with a bare Bearer challenge', async () => {
    await assertUnauthorized(await store(undefined), 'Bearer');
    await assertUnauthorized(await read(undefined), 'Bearer');
    await assertUnauthorized(await store(undefined, { Authorization: 'Basic dXNlcjpwYXNz' }), 'Bearer');
  });

  test('expired', async () => {
    await assertUnauthorized(
      await store(await signToken({ key, expiresIn: -3600, claims: { roles: ['DicomDataOwner'] } })),
    );
  });

  test('expired a minute ago: still inside the clock tolerance', async () => {
    const token = await signToken({ key, expiresIn: -60, claims: { roles: ['DicomDataOwner'] } });
    assert.equal((await store(token)).status, 200);
  });

  test('not yet valid', async () => {
    await assertUnauthorized(
      await store(await signToken({ key, notBefore: 3600, claims: { roles: ['DicomDataOwner'] } })),
    );
  });

  test('wrong audience', async () => {
    const token = await signToken({ key, audience: 'api://someone-else', claims: { roles: ['DicomDataOwner'] } });
    await assertUnauthorized(await store(token));
  });

  test('wrong issuer', async () => {
    const token = await signToken({ key, issuer: 'https://evil.example/v2.0', claims: { roles: ['DicomDataOwner'] } });
    await assertUnauthorized(await store(token));
  });

  test("another tenant's token (its issuer, or only its tid)", async () => {
    const foreign = await signToken({
      key,
      issuer: issuerV2(OTHER_TENANT),
      claims: { tid: OTHER_TENANT, roles: ['DicomDataOwner'] },
    });
    await assertUnauthorized(await store(foreign));
    const mixed = await signToken({ key, claims: { tid: OTHER_TENANT, roles: ['DicomDataOwner'] } });
    await assertUnauthorized(await store(mixed));
  });

  test('unknown kid', async () => {
    const stranger = await newSigningKey();
    await assertUnauthorized(await store(await signToken({ key: stranger, claims: { roles: ['DicomDataOwner'] } })));
  });

  test('tampered signature: a Reader token turned Owner', async () => {
    const forged = tamper(await reader(), { roles: ['DicomDataOwner'] });
    await assertUnauthorized(await store(forged));
  });

  test('alg none', async () => {
    await assertUnauthorized(await store(unsignedToken({ roles: ['DicomDataOwner'] })));
  });

  test('HS256 signed with the public key', async () => {
    await assertUnauthorized(await store(await hmacWithPublicKey(key, { roles: ['DicomDataOwner'] })));
  });

  test('garbage in the Authorization header', async () => {
    await assertUnauthorized(await store('not.a.jwt'));
    await assertUnauthorized(await store('x'));
  });

  test('key rotation: a new kid is picked up without a restart, the removed key is refused', async () => {
    const next = await newSigningKey();
    const oldToken = await owner();
    const downloads = jwks.downloads;
    jwks.keys = [next];
    const result = await store(await signToken({ key: next, claims: { roles: ['DicomDataOwner'] } }));
    assert.equal(result.status, 200, result.text);
    assert.ok(jwks.downloads > downloads, 'the key set was downloaded again');
    await assertUnauthorized(await store(oldToken));
    jwks.keys = [key, next];
  });

  test('AUTH_ROLE_MAP grants roles to tokens without any, by oid or group', async () => {
    const mappedOwner = await signToken({ key, audience: TUTORIAL_AUDIENCE, claims: { oid: MAPPED_OWNER } });
    assert.equal((await store(mappedOwner)).status, 200);
    const groupReader = await signToken({ key, claims: { groups: [MAPPED_READER_GROUP] } });
    assert.ok(![401, 403].includes((await read(groupReader)).status));
    assert.equal((await store(groupReader)).status, 403);
    const unmapped = await signToken({ key, claims: {} });
    assert.equal((await read(unmapped)).status, 403);
  });

  test('x-ms-client-principal is ignored unless AUTH_TRUST_EASY_AUTH is on', async () => {
    const principal = Buffer.from(
      JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'roles', val: 'DicomDataOwner' }] }),
    ).toString('base64');
    await assertUnauthorized(await store(undefined, { 'x-ms-client-principal': principal }), 'Bearer');
  });

  describe('CORS', () => {
    test('preflight for a listed origin: 204, methods, Authorization allowed, no token needed', async () => {
      const response = await fetch(`${ctx.baseUrl}/v2/studies`, {
        method: 'OPTIONS',
        headers: {
          Origin: ORIGIN,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
      assert.match(response.headers.get('access-control-allow-methods') ?? '', /\bPOST\b/);
      assert.match(response.headers.get('access-control-allow-headers') ?? '', /\bAuthorization\b/);
      assert.match(response.headers.get('access-control-allow-headers') ?? '', /\bContent-Type\b/);
      assert.match(response.headers.get('vary') ?? '', /Origin/);
    });

    test('preflight on other routes (unmatched paths, health) is answered too', async () => {
      for (const path of ['/v1/studies/1.2.3/series', '/v2/anything/else', '/health']) {
        const response = await fetch(`${ctx.baseUrl}${path}`, {
          method: 'OPTIONS',
          headers: { Origin: ORIGIN, 'Access-Control-Request-Method': 'GET' },
        });
        assert.equal(response.status, 204, path);
        assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN, path);
      }
    });

    test('preflight for an unlisted origin carries no CORS grant', async () => {
      const response = await fetch(`${ctx.baseUrl}/v2/studies`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
      });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), null);
    });

    test('responses, errors included, carry the origin and expose ETag and Content-Type', async () => {
      const ok = await store(await owner(), { Origin: ORIGIN });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
      const exposed = ok.headers.get('access-control-expose-headers') ?? '';
      assert.match(exposed, /\bETag\b/);
      assert.match(exposed, /\bContent-Type\b/);
      const denied = await store(undefined, { Origin: 'http://localhost:3000' });
      assert.equal(denied.status, 401);
      assert.equal(denied.headers.get('access-control-allow-origin'), 'http://localhost:3000');
      const foreign = await store(await owner(), { Origin: 'https://evil.example' });
      assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    });
  });

  test('the health endpoint needs no token', async () => {
    const response = await fetch(`${ctx.baseUrl}/health`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { status: string };
    assert.equal(body.status, 'Healthy');
  });
});
