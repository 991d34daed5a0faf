import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { AzuritePortInUseError, startAzurite, type Azurite } from '../../host/azurite';

async function putBlob(azurite: Azurite, name: string, text: string): Promise<void> {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('probe');
  await container.createIfNotExists();
  await container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
}

async function getBlob(azurite: Azurite, name: string): Promise<string> {
  const blob = BlobServiceClient.fromConnectionString(azurite.connectionString)
    .getContainerClient('probe')
    .getBlockBlobClient(name);
  return (await blob.downloadToBuffer()).toString();
}

function accepts(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('Azurite', () => {
  it('serves blobs and tables through its connection string, and stops', async () => {
    const azurite = await startAzurite({ inMemory: true, ports: 'free' });
    try {
      assert.match(azurite.connectionString, /^DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;/);
      await putBlob(azurite, 'a.txt', 'blob round trip');
      assert.equal(await getBlob(azurite, 'a.txt'), 'blob round trip');

      const table = TableClient.fromConnectionString(azurite.connectionString, 'probe', {
        allowInsecureConnection: true,
      });
      await table.createTable();
      await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
      assert.equal((await table.getEntity<{ value: number }>('p', 'r')).value, 42);
    } finally {
      await azurite.stop();
    }
    for (const url of [azurite.blobUrl, azurite.queueUrl, azurite.tableUrl]) assert.equal(await accepts(url), false);
    await azurite.stop(); // a second stop is a no-op
  });

  it('keeps data in its location across restarts', async () => {
    const location = await mkdtemp(path.join(tmpdir(), 'azurite-'));
    try {
      const first = await startAzurite({ location, ports: 'free' });
      await putBlob(first, 'kept.txt', 'still here').finally(() => first.stop());
      const second = await startAzurite({ location, ports: 'free' });
      try {
        assert.equal(await getBlob(second, 'kept.txt'), 'still here');
      } finally {
        await second.stop();
      }
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });

  it('says when the default ports are held by another Azurite', async (t) => {
    let first: Azurite;
    try {
      first = await startAzurite({ inMemory: true, ports: 'default' });
    } catch (error) {
      if (error instanceof AzuritePortInUseError) return t.skip('ports 10000-10002 are in use on this machine');
      throw error;
    }
    try {
      await assert.rejects(startAzurite({ inMemory: true, ports: 'default' }), (error: unknown) => {
        assert.ok(error instanceof AzuritePortInUseError);
        assert.equal(error.port, 10000);
        assert.match(error.owner ?? '', /^Azurite-Blob\//);
        assert.equal(error.isAzurite, true);
        return true;
      });
    } finally {
      await first.stop();
    }
  });
});
