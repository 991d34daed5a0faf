// The platform's CORS_ALLOWED_ORIGINS (a JSON array on Flex Consumption) never stops the app; DICOM_CORS_ALLOWED_ORIGINS rules.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useTestServer } from '../support/serverFixture';

const PLATFORM_ORIGIN = 'https://portal.azure.com';
const VIEWER_ORIGIN = 'https://viewer.example.org';

describe('CORS_ALLOWED_ORIGINS set by the platform', () => {
  const ctx = useTestServer({
    env: {
      // What Flex Consumption writes there when the Function App's platform CORS lists the portal.
      CORS_ALLOWED_ORIGINS: JSON.stringify([PLATFORM_ORIGIN]),
      DICOM_CORS_ALLOWED_ORIGINS: VIEWER_ORIGIN,
    },
  });

  function preflight(origin: string): Promise<Response> {
    return fetch(`${ctx.baseUrl}/v2/studies`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' },
    });
  }

  test('GET /health answers 200', async () => {
    const response = await fetch(`${ctx.baseUrl}/health`);
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(((await response.json()) as { status?: unknown }).status, 'Healthy');
  });

  test("the app's own setting grants its origin; the platform's origin gets no grant from the app", async () => {
    const viewer = await preflight(VIEWER_ORIGIN);
    assert.equal(viewer.status, 204);
    assert.equal(viewer.headers.get('access-control-allow-origin'), VIEWER_ORIGIN);
    const portal = await preflight(PLATFORM_ORIGIN);
    assert.equal(portal.status, 204);
    assert.equal(portal.headers.get('access-control-allow-origin'), null);
  });
});
