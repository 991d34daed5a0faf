// The REST operation, table or container, and partition read off a storage request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyStorageRequest, isStorageTransaction, partitionOfFilter } from '../../shared/telemetry/storageCall';

test('table entity addresses give the operation, the table and the PartitionKey', () => {
  const path = "/dicomInstances(PartitionKey='1.2.3',RowKey='4%7C5')";
  assert.deepEqual(classifyStorageRequest({ service: 'table', method: 'GET', path }), {
    operation: 'getEntity',
    target: 'dicomInstances',
    partition: '1.2.3',
    entityWrites: 0,
  });
  assert.equal(classifyStorageRequest({ service: 'table', method: 'PUT', path }).operation, 'updateEntity');
  assert.equal(classifyStorageRequest({ service: 'table', method: 'MERGE', path }).operation, 'mergeEntity');
  assert.equal(classifyStorageRequest({ service: 'table', method: 'DELETE', path }).entityWrites, 1);
  const quoted = "/T(PartitionKey='O''Brien',RowKey='x')";
  assert.equal(classifyStorageRequest({ service: 'table', method: 'GET', path: quoted }).partition, "O'Brien");
});

test('an insert takes its partition from its body; a query from its filter', () => {
  const insert = classifyStorageRequest({
    service: 'table',
    method: 'POST',
    path: '/dicomInstances',
    bodyStart: '{"PartitionKey":"~pending","RowKey":"a|b"}',
  });
  assert.deepEqual(insert, {
    operation: 'insertEntity',
    target: 'dicomInstances',
    partition: '~pending',
    entityWrites: 1,
  });
  const query = classifyStorageRequest({
    service: 'table',
    method: 'GET',
    path: "/dicomStudies()?$filter=PartitionKey%20eq%20'1.2'%20and%20RowKey%20eq%20'~'",
  });
  assert.deepEqual(query, { operation: 'queryEntities', target: 'dicomStudies', partition: '1.2', entityWrites: 0 });
  assert.equal(partitionOfFilter("PartitionKey ge 'SMI' and PartitionKey lt 'SMJ'"), 'SMI..SMJ');
  assert.equal(partitionOfFilter("State eq 'created'"), '*');
});

test('a batch counts its operations and names their shared partition', () => {
  const body = [
    '--changeset_1',
    'Content-Type: application/http',
    '',
    "PUT http://127.0.0.1:1/devstoreaccount1/dicomChangeFeed(PartitionKey='feed',RowKey='counter') HTTP/1.1",
    '',
    '{}',
    '--changeset_1',
    'POST http://127.0.0.1:1/devstoreaccount1/dicomChangeFeed HTTP/1.1',
    '',
    '{"PartitionKey":"feed","RowKey":"seq-1"}',
    '--changeset_1',
    'POST http://127.0.0.1:1/devstoreaccount1/dicomChangeFeed HTTP/1.1',
  ].join('\r\n');
  const batch = classifyStorageRequest({ service: 'table', method: 'POST', path: '/$batch', bodyStart: body });
  assert.deepEqual(batch, { operation: 'batch', target: 'dicomChangeFeed', partition: 'feed', entityWrites: 3 });
  const inserts = classifyStorageRequest({
    service: 'table',
    method: 'POST',
    path: '/$batch',
    bodyStart: 'POST http://h/acct/T HTTP/1.1\r\n\r\n{"PartitionKey":"p\\"q","RowKey":"r"}',
  });
  assert.equal(inserts.partition, 'p"q');
  assert.equal(inserts.target, 'T');
});

test('blob requests give the operation, the container and the blob name', () => {
  const blob = (method: string, path: string) => classifyStorageRequest({ service: 'blob', method, path });
  assert.deepEqual(blob('PUT', '/dicomweb/1.2/3.4/5.6/v1/file.dcm?comp=block&blockid=AA'), {
    operation: 'putBlock',
    target: 'dicomweb',
    partition: '1.2/3.4/5.6/v1/file.dcm',
    entityWrites: 0,
  });
  assert.equal(blob('PUT', '/dicomweb/a/file.dcm?comp=blocklist').operation, 'putBlockList');
  assert.equal(blob('PUT', '/dicomweb/a/file.dcm').operation, 'putBlob');
  assert.equal(blob('GET', '/dicomweb/a/file.dcm').operation, 'getBlob');
  assert.equal(blob('HEAD', '/dicomweb/a/file.dcm').operation, 'getBlobProperties');
  assert.equal(blob('DELETE', '/dicomweb/a/file.dcm').operation, 'deleteBlob');
  assert.deepEqual(blob('GET', '/dicomweb?restype=container&comp=list&prefix=1.2%2F'), {
    operation: 'listBlobs',
    target: 'dicomweb',
    partition: '1.2/*',
    entityWrites: 0,
  });
  assert.equal(blob('PUT', '/dicomweb?restype=container').operation, 'createContainer');
});

test('queue requests give the operation, with the queue as target and partition', () => {
  const queue = (method: string, path: string) => classifyStorageRequest({ service: 'queue', method, path });
  assert.deepEqual(queue('POST', '/dicom-events/messages?messagettl=-1'), {
    operation: 'putMessage',
    target: 'dicom-events',
    partition: 'dicom-events',
    entityWrites: 0,
  });
  assert.equal(queue('GET', '/dicom-events/messages?numofmessages=32').operation, 'getMessages');
  assert.equal(queue('GET', '/dicom-events/messages?peekonly=true').operation, 'peekMessages');
  assert.equal(queue('DELETE', '/dicom-events/messages').operation, 'clearMessages');
  assert.equal(queue('DELETE', '/dicom-events/messages/abc?popreceipt=x').operation, 'deleteMessage');
  assert.equal(queue('PUT', '/dicom-events/messages/abc?popreceipt=x&visibilitytimeout=30').operation, 'updateMessage');
  assert.equal(queue('PUT', '/dicom-operations').operation, 'createQueue');
  assert.equal(queue('DELETE', '/dicom-operations').operation, 'deleteQueue');
  assert.equal(queue('GET', '/dicom-operations?comp=metadata').operation, 'getQueueMetadata');
  assert.deepEqual(queue('GET', '/?comp=list'), {
    operation: 'listQueues',
    target: '',
    partition: '',
    entityWrites: 0,
  });
});

test('an Event Grid post names its topic and is no storage transaction', () => {
  const post = classifyStorageRequest({
    service: 'eventgrid',
    method: 'POST',
    path: '?api-version=2018-01-01',
    host: 'topic.westeurope-1.eventgrid.azure.net',
  });
  assert.deepEqual(post, {
    operation: 'publishEvents',
    target: 'topic.westeurope-1.eventgrid.azure.net',
    partition: '',
    entityWrites: 0,
  });
  assert.equal(isStorageTransaction({ service: 'eventgrid' }), false);
  assert.equal(isStorageTransaction({ service: 'queue' }), true);
});
