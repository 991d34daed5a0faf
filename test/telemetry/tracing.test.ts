// Trace context from the host, what partitions telemetry may show, and the ingestion identity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManagedIdentityCredential } from '@azure/identity';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import type { StorageCall } from '../../shared/telemetry/storageCall';
import { ingestionCredential } from '../../shared/telemetry/telemetrySetup';
import { parentOf, recordablePartition, setTraceOptions } from '../../shared/telemetry/tracing';

test('a valid traceparent becomes the remote parent; anything else starts a new trace', () => {
  const parent = trace.getSpanContext(parentOf('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'));
  assert.deepEqual(parent, {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    isRemote: true,
  });
  for (const bad of [
    undefined,
    '',
    '00-00000000000000000000000000000000-b7ad6b7169203331-01',
    '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
    '01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331',
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\ninjected: yes',
  ]) {
    assert.equal(parentOf(bad), ROOT_CONTEXT, String(bad));
  }
});

function call(target: string, partition: string, service: StorageCall['service'] = 'table'): StorageCall {
  return {
    service,
    method: 'GET',
    operation: 'x',
    target,
    partition,
    entityWrites: 0,
    requestBytes: 0,
    responseBytes: 0,
    status: 200,
    startedAtEpochMs: 0,
    durationMs: 0,
    attempt: 1,
  };
}

test('search-index keys never appear; UIDs only while allowed; fixed keys always', () => {
  try {
    setTraceOptions({ enabled: false, includeUids: true });
    assert.equal(recordablePartition(call('dicomIxPatNameWord', 'SMITH|3')), '(index value)');
    assert.equal(recordablePartition(call('dicomIxSopUidEq', '1.2.3.4|a')), '(index value)');
    assert.equal(recordablePartition(call('dicomInstances', '1.2.840.1')), '1.2.840.1');
    assert.equal(
      recordablePartition(call('dicomweb', '1.2.3/4.5.6/7.8.9/v/file.dcm', 'blob')),
      '1.2.3/4.5.6/7.8.9/v/file.dcm',
    );
    assert.equal(recordablePartition(call('dicomChangeFeed', 'feed')), 'feed');
    setTraceOptions({ enabled: false, includeUids: false });
    assert.equal(recordablePartition(call('dicomInstances', '1.2.840.1')), '(uid)');
    assert.equal(recordablePartition(call('dicomweb', '1.2.3/4.5.6/7.8.9/v/file.dcm', 'blob')), '(uid)');
    assert.equal(recordablePartition(call('dicomInstances', '~pending')), '~pending');
  } finally {
    setTraceOptions({ enabled: false, includeUids: true });
  }
});

test('telemetry is sent as the managed identity when the host setting asks for Entra ID', () => {
  assert.equal(ingestionCredential(undefined), undefined);
  assert.equal(ingestionCredential('Authorization=Key'), undefined);
  assert.ok(ingestionCredential('Authorization=AAD') instanceof ManagedIdentityCredential);
  assert.ok(ingestionCredential('authorization=aad; ClientId=1234') instanceof ManagedIdentityCredential);
});
