// Paths outside the versioned API: unsupported versions and missing versions get a clear 400.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTestServer } from '../support/serverFixture';

describe('API versions', () => {
  const ctx = useTestServer();

  test('an unknown version is 400 naming the supported ones', async () => {
    const response = await fetch(`${ctx.baseUrl}/v3/studies`, { method: 'POST' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /'v3' is not supported.*v1, v2/);
  });

  test('a DICOMweb path without a version is 400', async () => {
    const response = await fetch(`${ctx.baseUrl}/studies`);
    assert.equal(response.status, 400);
    assert.match(await response.text(), /API version/);
  });

  test('anything else is 404', async () => {
    const response = await fetch(`${ctx.baseUrl}/nothing-here`);
    assert.equal(response.status, 404);
  });
});
