// Auth on without a tenant: a Functions app cannot refuse to start, so every request is 503 and the log says why.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resetConfig } from '../../shared/config';
import { registerFunction } from '../../shared/http/routeTable';
import { startHost, type HostUnderTest } from '../host/hostFixture';

registerFunction({
  name: 'misconfiguredProbe',
  route: 'probe',
  methods: ['GET'],
  handler: () => Promise.resolve({ status: 200, body: 'served' }),
});

describe('auth enabled without a tenant', () => {
  let host: HostUnderTest;
  before(async () => {
    Object.assign(process.env, { AUTH_ENABLED: 'true', AUTH_AUDIENCES: 'api://x' });
    delete process.env.AUTH_TENANT_ID;
    resetConfig();
    host = await startHost();
  });
  after(() => host.close());

  test('answers 503 to every request, preflight included, and logs the reason', async () => {
    for (const method of ['GET', 'OPTIONS']) {
      const response = await fetch(`${host.url}/probe`, { method });
      assert.equal(response.status, 503, method);
      assert.match(await response.text(), /not configured correctly/);
    }
    assert.ok(
      host.logs.some((line) => /Refusing to serve requests: .*AUTH_TENANT_ID is required/.test(line)),
      host.logs.join('\n'),
    );
  });
});
