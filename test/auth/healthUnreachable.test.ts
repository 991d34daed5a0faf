// GET /health when storage does not answer: 503 and Unhealthy, within the probe timeout.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resetConfig } from '../../shared/config';
import { resetClients } from '../../shared/storage/clients';
import { startAppHost, type HostUnderTest } from '../host/hostHarness';

describe('health endpoint without storage', () => {
  let host: HostUnderTest;
  before(async () => {
    // Azurite's well-known development account, at a port nothing listens on.
    const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
    process.env.DICOM_STORAGE_CONNECTION_STRING =
      `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};` +
      'BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;';
    resetConfig();
    resetClients();
    host = await startAppHost();
  });
  after(() => host.close());

  test('503 with the failing checks named and no detail', async () => {
    const response = await fetch(`${host.url}/health`);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const body = (await response.json()) as { status: string; checks: { name: string; status: string }[] };
    assert.equal(body.status, 'Unhealthy');
    assert.deepEqual(
      body.checks.map((check) => `${check.name}:${check.status}`),
      ['configuration:Healthy', 'blobStorage:Unhealthy', 'tableStorage:Unhealthy'],
    );
  });
});
