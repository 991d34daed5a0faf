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

  test('the platform answers every preflight itself, so the app setting grants nothing while it is on', async () => {
    // The host's CORS middleware runs before any function (host/functionsHost/platformCors.ts):
    // this is why README says to leave platform CORS empty and use DICOM_CORS_ALLOWED_ORIGINS.
    const portal = await preflight(PLATFORM_ORIGIN);
    assert.equal(portal.status, 204);
    assert.equal(portal.headers.get('access-control-allow-origin'), PLATFORM_ORIGIN);
    const viewer = await preflight(VIEWER_ORIGIN);
    assert.equal(viewer.status, 204);
    assert.equal(viewer.headers.get('access-control-allow-origin'), null);
  });

  test('on an actual request the app still grants its own origin', async () => {
    const response = await fetch(`${ctx.baseUrl}/health`, { headers: { Origin: VIEWER_ORIGIN } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), VIEWER_ORIGIN);
  });
});
