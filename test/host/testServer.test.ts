import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient } from '@azure/storage-blob';
import { getConfig } from '../../shared/config';
import { registerFunction, registeredFunctions } from '../../shared/http/routeTable';
import { blobContainer } from '../../shared/storage/clients';
import { startTestServer, type TestServer } from '../support/testServer';

// Writes through the app's own storage clients, so the test sees where they point.
registerFunction({
  name: 'aaWriteProbeBlob',
  route: 'hosttest/blobs/{name}',
  methods: ['PUT'],
  handler: async (request) => {
    const text = await request.text();
    await blobContainer()
      .getBlockBlobClient(request.params.name ?? '')
      .upload(text, Buffer.byteLength(text));
    return { status: 201 };
  },
});

describe('startTestServer', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { DICOM_TABLE_PREFIX: 'hosttest' } });
  });
  after(() => server.stop());

  it('serves on 127.0.0.1 with the compiled function files loaded', () => {
    assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(registeredFunctions().some((fn) => fn.name === 'aaWriteProbeBlob'));
  });

  it('points the app at the in-memory Azurite, with options.env applied', async () => {
    assert.equal(getConfig().storage.tablePrefix, 'hosttest');
    const response = await fetch(`${server.baseUrl}/hosttest/blobs/probe.txt`, { method: 'PUT', body: 'stored' });
    assert.equal(response.status, 201);
    const container = BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient(
      getConfig().storage.blobContainer,
    );
    assert.equal((await container.getBlockBlobClient('probe.txt').downloadToBuffer()).toString(), 'stored');
  });

  it('runs once per process', async () => {
    await assert.rejects(startTestServer(), /once per test file/);
  });

  it('stops idempotently and closes the port', async () => {
    await Promise.all([server.stop(), server.stop()]);
    await assert.rejects(fetch(`${server.baseUrl}/hosttest/blobs/x`));
  });
});
