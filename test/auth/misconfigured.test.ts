// Auth on without a tenant: a Functions app cannot refuse to start, so every request is 503 and the log says why.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resetConfig } from '../../shared/config';
import { startAppHost, type HostUnderTest } from '../host/hostHarness';

describe('auth enabled without a tenant', () => {
  let host: HostUnderTest;
  before(async () => {
    Object.assign(process.env, { AUTH_ENABLED: 'true', AUTH_AUDIENCES: 'api://x' });
    delete process.env.AUTH_TENANT_ID;
    resetConfig();
    host = await startAppHost();
  });
  after(() => host.close());

  test('answers 503 to every request, preflight included, and logs the reason', async () => {
    for (const method of ['GET', 'OPTIONS']) {
      const response = await fetch(`${host.url}/v2/studies`, { method });
      assert.equal(response.status, 503, method);
      assert.match(await response.text(), /not configured correctly/);
    }
    assert.ok(
      host.logs.some((line: string) => /Refusing to serve requests: .*AUTH_TENANT_ID is required/.test(line)),
      host.logs.join('\n'),
    );
  });
});
