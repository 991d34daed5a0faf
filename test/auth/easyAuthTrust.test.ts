// When x-ms-client-principal is trusted (AUTH_TRUST_EASY_AUTH and WEBSITE_AUTH_ENABLED), and the one warning otherwise.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HttpRequest, InvocationContext, type LogLevel } from '@azure/functions';
import { parseAuthConfig, type AuthConfig } from '../../shared/auth/authConfig';
import { UntrustedPrincipalHeaderError } from '../../shared/auth/authErrors';
import { authorizeRequest } from '../../shared/auth/authorize';

const TENANT = '11111111-2222-3333-4444-555555555555';
const OWNER_PRINCIPAL = Buffer.from(JSON.stringify({ claims: [{ typ: 'roles', val: 'DicomDataOwner' }] })).toString(
  'base64',
);

function config(env: NodeJS.ProcessEnv): AuthConfig {
  const problems: string[] = [];
  const parsed = parseAuthConfig(
    { AUTH_ENABLED: 'true', AUTH_TENANT_ID: TENANT, AUTH_AUDIENCES: 'api://x', ...env },
    problems,
  );
  assert.deepEqual(problems, []);
  return parsed;
}

function storeRequest(): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: 'http://localhost/v2/studies',
    headers: { 'x-ms-client-principal': OWNER_PRINCIPAL },
  });
}

/** An invocation context that keeps its warnings. */
function contextKeepingWarnings(): { context: InvocationContext; warnings: string[] } {
  const warnings: string[] = [];
  const logHandler = (level: LogLevel, ...args: unknown[]): void => {
    if (level === 'warning') warnings.push(args.map(String).join(' '));
  };
  return { context: new InvocationContext({ logHandler }), warnings };
}

describe('WEBSITE_AUTH_ENABLED', () => {
  test('is on only for "true", in any case; anything else is off and never a problem', () => {
    for (const value of ['True', 'true', ' TRUE '])
      assert.equal(config({ WEBSITE_AUTH_ENABLED: value }).appServiceAuthEnabled, true);
    for (const value of [undefined, '', 'False', '1', 'yes']) {
      assert.equal(config({ WEBSITE_AUTH_ENABLED: value }).appServiceAuthEnabled, false, String(value));
    }
  });
});

describe('authorizeRequest with an x-ms-client-principal header', () => {
  test('App Service Authentication on: the principal is used', async () => {
    const { context, warnings } = contextKeepingWarnings();
    const trusted = config({ AUTH_TRUST_EASY_AUTH: 'true', WEBSITE_AUTH_ENABLED: 'True' });
    const principal = await authorizeRequest(storeRequest(), context, undefined, trusted);
    assert.equal(principal?.source, 'easyAuth');
    assert.deepEqual(warnings, []);
  });

  test('App Service Authentication off: 401 saying why, and one warning per configuration', async () => {
    const { context, warnings } = contextKeepingWarnings();
    const untrusted = config({ AUTH_TRUST_EASY_AUTH: 'true' });
    for (let i = 0; i < 3; i += 1) {
      await assert.rejects(authorizeRequest(storeRequest(), context, undefined, untrusted), (error: unknown) => {
        assert.ok(error instanceof UntrustedPrincipalHeaderError);
        assert.equal(error.status, 401);
        assert.match(error.message, /not trusted because App Service Authentication is not enabled/);
        return true;
      });
    }
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /AUTH_TRUST_EASY_AUTH=true is ignored: WEBSITE_AUTH_ENABLED is not true/);
  });

  test('AUTH_TRUST_EASY_AUTH off: the header is not mentioned, a bearer token is required', async () => {
    const { context, warnings } = contextKeepingWarnings();
    await assert.rejects(authorizeRequest(storeRequest(), context, undefined, config({})), (error: unknown) => {
      assert.ok(error instanceof Error && !(error instanceof UntrustedPrincipalHeaderError));
      assert.match(error.message, /bearer token is required/);
      return true;
    });
    assert.deepEqual(warnings, []);
  });
});
