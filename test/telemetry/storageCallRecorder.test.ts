// Every request the Azure SDKs send to a real Azurite is recorded once, with its partition.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAzurite, type Azurite } from '../../host/azurite';
import { StorageCallRecorder } from '../../shared/telemetry/storageCallRecorder';
import { tableBodyPolicy } from '../../shared/telemetry/tableBodies';

let azurite: Azurite;
let recorder: StorageCallRecorder;

before(async () => {
  azurite = await startAzurite({ inMemory: true, ports: 'free' });
  recorder = new StorageCallRecorder([
    { service: 'table', url: azurite.tableUrl },
    { service: 'blob', url: azurite.blobUrl },
    { service: 'queue', url: azurite.queueUrl },
  ]);
});

after(async () => {
  recorder.stop();
  await azurite.stop();
});

/** Calls complete when their responses close, a moment after the SDK's promise resolves. */
async function settled(expected: number): Promise<ReturnType<StorageCallRecorder['take']>> {
  const calls = [];
  for (let i = 0; i < 50 && calls.length < expected; i++) {
    calls.push(...recorder.take());
    if (calls.length < expected) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return calls;
}

test('table operations, a batch included, are recorded with their partitions and entity writes', async () => {
  const table = TableClient.fromConnectionString(azurite.connectionString, 'Probe', {
    allowInsecureConnection: true,
    additionalPolicies: [tableBodyPolicy],
  });
  await table.createTable();
  await table.createEntity({ partitionKey: 'p1', rowKey: 'r1' });
  await table.submitTransaction([
    ['create', { partitionKey: 'p2', rowKey: 'a' }],
    ['upsert', { partitionKey: 'p2', rowKey: 'b' }],
    ['create', { partitionKey: 'p2', rowKey: 'c' }],
  ]);
  await table.getEntity('p1', 'r1');
  for await (const _ of table.listEntities({ queryOptions: { filter: "PartitionKey eq 'p2'" } })) {
    // read them all
  }
  await table.deleteEntity('p1', 'r1');
  const calls = await settled(6);
  assert.deepEqual(
    calls.map((c) => [c.operation, c.target, c.partition, c.entityWrites, c.status]),
    [
      ['createTable', 'Probe', '', 0, 201],
      ['insertEntity', 'Probe', 'p1', 1, 204],
      ['batch', 'Probe', 'p2', 3, 202],
      ['getEntity', 'Probe', 'p1', 0, 200],
      ['queryEntities', 'Probe', 'p2', 0, 200],
      ['deleteEntity', 'Probe', 'p1', 1, 204],
    ],
  );
  assert.ok(calls.every((c) => c.service === 'table' && c.durationMs >= 0));
});

test('a staged upload is one call per block plus the block list, each with its bytes', async () => {
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('probe');
  await container.createIfNotExists();
  const blob = container.getBlockBlobClient('1.2/file.dcm');
  await blob.uploadData(Buffer.alloc(3 * 1024 * 1024), { blockSize: 1024 * 1024, maxSingleShotSize: 1024 * 1024 });
  await container
    .getBlobClient('1.2/file.dcm')
    .download(0, 100)
    .then((r) => r.readableStreamBody?.resume());
  const calls = await settled(6);
  assert.deepEqual(
    calls.map((c) => c.operation),
    ['createContainer', 'putBlock', 'putBlock', 'putBlock', 'putBlockList', 'getBlob'],
  );
  const blocks = calls.filter((c) => c.operation === 'putBlock');
  assert.deepEqual(
    blocks.map((c) => [c.partition, c.requestBytes]),
    Array.from({ length: 3 }, () => ['1.2/file.dcm', 1024 * 1024]),
  );
  assert.equal(calls.at(-1)?.responseBytes, 100);
});

test('queue calls are recorded with the queue as their partition, the message bytes sent', async () => {
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('probe-events');
  await queue.createIfNotExists();
  await queue.sendMessage('{"eventType":"probe"}');
  await queue.peekMessages();
  const [received] = (await queue.receiveMessages()).receivedMessageItems;
  assert.ok(received, 'the message sent');
  const updated = await queue.updateMessage(received.messageId, received.popReceipt, undefined, 0);
  await queue.deleteMessage(received.messageId, updated.popReceipt ?? '');
  const calls = await settled(6);
  assert.deepEqual(
    calls.map((c) => [c.service, c.operation, c.target, c.partition, c.status]),
    [
      ['queue', 'createQueue', 'probe-events', 'probe-events', 201],
      ['queue', 'putMessage', 'probe-events', 'probe-events', 201],
      ['queue', 'peekMessages', 'probe-events', 'probe-events', 200],
      ['queue', 'getMessages', 'probe-events', 'probe-events', 200],
      ['queue', 'updateMessage', 'probe-events', 'probe-events', 204],
      ['queue', 'deleteMessage', 'probe-events', 'probe-events', 204],
    ],
  );
  assert.ok((calls[1]?.requestBytes ?? 0) > '{"eventType":"probe"}'.length, 'the message, in its XML envelope');
});

test("an Event Grid topic's posts (sent with fetch) are recorded as service eventgrid", async () => {
  const topic = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-length': '0' }).end());
  });
  await new Promise<void>((resolve) => topic.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(topic.address() as AddressInfo).port}/api/events`;
  const watcher = new StorageCallRecorder([{ service: 'eventgrid', url: endpoint }]);
  try {
    const body = JSON.stringify([{ id: '1' }]);
    const response = await fetch(`${endpoint}?api-version=2018-01-01`, { method: 'POST', body });
    await response.arrayBuffer();
    let calls = watcher.take();
    for (let i = 0; i < 50 && calls.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      calls = watcher.take();
    }
    assert.deepEqual(
      calls.map((c) => [c.service, c.operation, c.target, c.status, c.requestBytes]),
      [['eventgrid', 'publishEvents', new URL(endpoint).host, 200, body.length]],
    );
  } finally {
    watcher.stop();
    topic.close();
  }
});

test('requests to other hosts are not storage calls', async () => {
  const other = new StorageCallRecorder([{ service: 'blob', url: 'http://127.0.0.1:1/none' }]);
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('probe');
  await container.exists();
  await settled(1);
  assert.deepEqual(other.take(), []);
  other.stop();
});
