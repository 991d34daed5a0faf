// AUTH_* and DICOM_CORS_ALLOWED_ORIGINS parsing: defaults by host, derived issuers and key set, every problem reported.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseAuthConfig, parseRoleMap } from '../../shared/auth/authConfig';
import { ConfigurationError, loadAccessConfig } from '../../shared/config';
import { parseCorsConfig } from '../../shared/http/cors';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const LOCAL = { DICOMWEB_LOCAL_HOST: '1' };

function parse(env: NodeJS.ProcessEnv): { config: ReturnType<typeof parseAuthConfig>; problems: string[] } {
  const problems: string[] = [];
  return { config: parseAuthConfig(env, problems), problems };
}

describe('auth settings', () => {
  test('the local host defaults to auth off and needs nothing else', () => {
    const { config, problems } = parse(LOCAL);
    assert.deepEqual(problems, []);
    assert.equal(config.enabled, false);
    assert.equal(config.enabledBy, 'local host default');
  });

  test('the Functions host defaults to auth on and requires a tenant and audiences', () => {
    const { config, problems } = parse({ WEBSITE_SITE_NAME: 'my-dicom-app' });
    assert.equal(config.enabled, true);
    assert.equal(config.enabledBy, 'deployed default');
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', /AUTH_TENANT_ID is required .*on by default when deployed/);
    assert.match(problems[1] ?? '', /AUTH_AUDIENCES is required/);
  });

  test('AUTH_ENABLED=false turns it off on the Functions host; true turns it on locally', () => {
    assert.equal(parse({ AUTH_ENABLED: 'false' }).config.enabled, false);
    assert.deepEqual(parse({ AUTH_ENABLED: 'false' }).problems, []);
    const local = parse({ ...LOCAL, AUTH_ENABLED: 'TRUE' });
    assert.equal(local.config.enabled, true);
    assert.equal(local.config.enabledBy, 'AUTH_ENABLED');
  });

  test('a tenant implies the v1 and v2 issuers and its key set', () => {
    const { config, problems } = parse({ AUTH_TENANT_ID: TENANT.toUpperCase(), AUTH_AUDIENCES: ' api://a , b ,' });
    assert.deepEqual(problems, []);
    assert.equal(config.tenantId, TENANT);
    assert.deepEqual(config.audiences, ['api://a', 'b']);
    assert.deepEqual(config.issuers, [
      `https://sts.windows.net/${TENANT}/`,
      `https://login.microsoftonline.com/${TENANT}/v2.0`,
    ]);
    assert.equal(config.jwksUrl, `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`);
    assert.equal(config.jwksCooldownSeconds, 30);
    assert.equal(config.trustEasyAuth, false);
  });

  test('AUTH_ISSUERS and AUTH_JWKS_URL override what the tenant implies (sovereign clouds)', () => {
    const { config, problems } = parse({
      AUTH_TENANT_ID: TENANT,
      AUTH_AUDIENCES: 'api://a',
      AUTH_ISSUERS: `https://login.microsoftonline.us/${TENANT}/v2.0`,
      AUTH_JWKS_URL: `https://login.microsoftonline.us/${TENANT}/discovery/v2.0/keys`,
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(config.issuers, [`https://login.microsoftonline.us/${TENANT}/v2.0`]);
    assert.match(config.jwksUrl ?? '', /microsoftonline\.us/);
  });

  test('malformed values are problems, each named', () => {
    const { problems } = parse({
      AUTH_ENABLED: 'yes',
      AUTH_TENANT_ID: 'contoso.onmicrosoft.com',
      AUTH_JWKS_URL: 'http://keys.example.org/keys',
      AUTH_TRUST_EASY_AUTH: '1',
      AUTH_JWKS_COOLDOWN_SECONDS: '-1',
    });
    assert.equal(problems.length, 6, problems.join('\n'));
    for (const name of [
      'AUTH_ENABLED',
      'AUTH_TENANT_ID',
      'AUTH_JWKS_URL',
      'AUTH_TRUST_EASY_AUTH',
      'AUTH_JWKS_COOLDOWN',
    ]) {
      assert.ok(
        problems.some((problem) => problem.startsWith(name)),
        name,
      );
    }
  });

  test('http key sets only on loopback', () => {
    const env = { AUTH_TENANT_ID: TENANT, AUTH_AUDIENCES: 'a', AUTH_JWKS_URL: 'http://127.0.0.1:4000/keys' };
    assert.deepEqual(parse(env).problems, []);
  });

  test('loadAccessConfig throws one ConfigurationError listing every problem', () => {
    assert.throws(
      () => loadAccessConfig({ AUTH_ENABLED: 'true', DICOM_CORS_ALLOWED_ORIGINS: 'https://a.example/path' }),
      (error: unknown) =>
        error instanceof ConfigurationError &&
        /AUTH_TENANT_ID/.test(error.message) &&
        /AUTH_AUDIENCES/.test(error.message) &&
        /DICOM_CORS_ALLOWED_ORIGINS/.test(error.message),
    );
  });
});

describe('AUTH_ROLE_MAP', () => {
  const oid = 'AAAAAAAA-1111-2222-3333-444444444444';

  test('maps object ids (case-insensitively) to one role or several', () => {
    const problems: string[] = [];
    const map = parseRoleMap(
      JSON.stringify({ [oid]: 'DicomDataOwner', [TENANT]: ['DicomDataReader', 'DicomDataReader'] }),
      problems,
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(map.get(oid.toLowerCase()), ['DicomDataOwner']);
    assert.deepEqual(map.get(TENANT), ['DicomDataReader']);
  });

  test('rejects bad JSON without echoing it, non-objects, unknown roles and non-GUID keys', () => {
    for (const raw of [
      '{"secret',
      '["DicomDataOwner"]',
      `{"${oid}":"Admin"}`,
      '{"bob":"DicomDataOwner"}',
      `{"${oid}":[]}`,
    ]) {
      const problems: string[] = [];
      assert.equal(parseRoleMap(raw, problems).size, 0, raw);
      assert.equal(problems.length, 1, raw);
      assert.ok(!problems[0]?.includes('secret'));
    }
  });
});

describe('DICOM_CORS_ALLOWED_ORIGINS', () => {
  test('origins are normalized; * allows any; empty allows none', () => {
    const problems: string[] = [];
    assert.deepEqual(parseCorsConfig('https://Viewer.example.org/, http://localhost:3000', problems), {
      allowedOrigins: ['https://viewer.example.org', 'http://localhost:3000'],
    });
    assert.deepEqual(parseCorsConfig('*', problems), { allowedOrigins: '*' });
    assert.deepEqual(parseCorsConfig(undefined, problems), { allowedOrigins: [] });
    assert.deepEqual(problems, []);
  });

  test('paths, other schemes and garbage are problems', () => {
    const problems: string[] = [];
    parseCorsConfig('https://a.example/ohif, ftp://b.example, not an origin', problems);
    assert.equal(problems.length, 3);
  });

  test('is read from DICOM_CORS_ALLOWED_ORIGINS', () => {
    const access = loadAccessConfig({ ...LOCAL, DICOM_CORS_ALLOWED_ORIGINS: 'https://viewer.example.org' });
    assert.deepEqual(access.cors, { allowedOrigins: ['https://viewer.example.org'] });
  });

  test("the platform's CORS_ALLOWED_ORIGINS, whatever it holds, is ignored", () => {
    // Flex Consumption writes its own CORS origins there as a JSON array.
    for (const platformValue of ['["https://portal.azure.com"]', 'not an origin', 'https://a.example/path']) {
      const access = loadAccessConfig({ ...LOCAL, CORS_ALLOWED_ORIGINS: platformValue });
      assert.deepEqual(access.cors, { allowedOrigins: [] }, platformValue);
    }
  });
});
