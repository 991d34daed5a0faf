// The ceiling model's arithmetic: which target binds first, alone and in a mix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AZURE_TARGETS,
  EVENT_GRID_TOPIC_EVENTS_PER_SECOND,
  mixCeiling,
  operationCeiling,
  partitionClass,
} from '../../bench/ceilingModel';
import type { OperationCalls } from '../../bench/storageCalls';

function row(operation: string, calls: number, per: number, partitionWrites: Record<string, number>): OperationCalls {
  const entityWrites = Object.values(partitionWrites).reduce((a, b) => a + b, 0);
  return {
    operation,
    per,
    perLabel: 'instance',
    calls,
    byOperation: {},
    entityWrites,
    requestBytes: 0,
    responseBytes: 0,
    partitions: Object.keys(partitionWrites).length,
    hottest: '',
    hottestShare: 0,
    partitionWrites,
  };
}

test('partitions are classed by what keys them', () => {
  assert.equal(partitionClass('dicomChangeFeed/feed'), 'global');
  assert.equal(partitionClass('dicomInstances/~pending'), 'global');
  assert.equal(partitionClass('dicomInstances/~pending-0a'), 'sharded');
  assert.equal(partitionClass('dicomInstances/1.2.840.113619.2'), 'object');
  assert.equal(partitionClass('dicomIxModalityEq/CT|3'), 'index');
  assert.equal(partitionClass('dicomIxSopUidEq/1.2.3.4|a'), 'object');
});

test('a fixed-key partition binds when its entity target is reached before the account request target', () => {
  const store = row('store', 100, 10, { 'dicomChangeFeed/feed': 30, 'dicomInstances/1.2.3.4': 20 });
  const ceiling = operationCeiling(store);
  assert.equal(ceiling.callsPer, 10);
  assert.equal(ceiling.byAccountRequests, AZURE_TARGETS.accountRequestsPerSecond / 10);
  assert.equal(ceiling.globalPartition, 'dicomChangeFeed/feed');
  assert.equal(ceiling.byGlobalPartition, AZURE_TARGETS.partitionEntitiesPerSecond / 3);
  assert.equal(ceiling.ceiling, ceiling.byGlobalPartition);
  assert.match(ceiling.binding, /feed/);

  const read = operationCeiling(row('read', 2, 1, {}));
  assert.equal(read.ceiling, AZURE_TARGETS.accountRequestsPerSecond / 2);
  assert.equal(read.binding, 'account requests');
});

test('a mix weighs each operation by its share', () => {
  const rows = [row('read', 2, 1, {}), row('store', 10, 1, { 'dicomChangeFeed/feed': 3 })];
  const mix = mixCeiling(rows, [
    { operation: 'read', share: 0.9 },
    { operation: 'store', share: 0.1 },
  ]);
  assert.ok(Math.abs(mix.callsPerOperation - 2.8) < 1e-9);
  assert.ok(Math.abs((mix.globalWritesPerOperation['dicomChangeFeed/feed'] ?? 0) - 0.3) < 1e-9);
  // 20,000 / 2.8 = 7,143 by requests; 2,000 / 0.3 = 6,667 by the feed partition.
  assert.equal(Math.round(mix.ceiling), 6667);
  assert.throws(() => mixCeiling(rows, [{ operation: 'missing', share: 1 }]), /no operation "missing"/);
});

test('a sharded partition takes a sixteenth of the writes under load from many studies', () => {
  const store = row('store', 40, 10, { 'dicomInstances/~pending-03': 320, 'dicomChangeFeed/feed': 20 });
  const ceiling = operationCeiling(store);
  // 32 marker writes per instance, spread over 16 shards: 2 per shard, as many as the feed's 2.
  assert.equal(ceiling.globalWritesPer, 2);
  assert.equal(ceiling.byGlobalPartition, AZURE_TARGETS.partitionEntitiesPerSecond / 2);
  const mix = mixCeiling([store], [{ operation: 'store', share: 1 }]);
  assert.equal(mix.globalWritesPerOperation['dicomInstances/~pending-* (each of 16)'], 2);
});

test('a worker serves as many operations a second as its one JavaScript thread has CPU for', () => {
  const measured = { ...row('read', 20, 10, {}), cpuMs: 40 };
  assert.equal(operationCeiling(measured).perWorker, 250);
  assert.equal(operationCeiling(row('read', 20, 10, {})).perWorker, undefined);
  const mix = mixCeiling([measured, row('other', 1, 1, {})], [{ operation: 'read', share: 1 }]);
  assert.equal(mix.cpuMsPerOperation, 4);
});

test('the events queue binds when its messages per operation reach its target first; a topic sink lifts it', () => {
  // A study delete: 49 events, one queue message each, plus the queue's creation; few feed writes.
  const deleteStudy = {
    ...row('delete study', 160, 1, { 'dicomChangeFeed/feed': 2 }),
    queueCalls: { 'dicom-events': 50 },
    queueMessages: { 'dicom-events': 49 },
  };
  const queued = operationCeiling(deleteStudy);
  assert.equal(queued.busiestQueue, 'dicom-events');
  assert.equal(queued.queueMessagesPer, 49);
  assert.equal(queued.byQueue, AZURE_TARGETS.queueMessagesPerSecond / 49);
  assert.equal(queued.ceiling, queued.byQueue);
  assert.equal(queued.binding, 'queue dicom-events');

  const topic = operationCeiling(deleteStudy, { sink: 'topic', eventsQueue: 'dicom-events' });
  // The queue's 50 calls leave the account; the 49 events go to the topic.
  assert.equal(topic.callsPer, 110);
  assert.equal(topic.busiestQueue, undefined);
  assert.equal(topic.topicEventsPer, 49);
  assert.equal(topic.byTopic, EVENT_GRID_TOPIC_EVENTS_PER_SECOND / 49);
  // 5,000 / 49 = 102 study deletes a second by the topic's ingress, before 20,000 / 110 = 182 by the account.
  assert.equal(topic.ceiling, topic.byTopic);
  assert.equal(topic.binding, 'Event Grid topic ingress');
  assert.ok(topic.ceiling > queued.ceiling);

  const mix = mixCeiling(
    [deleteStudy, row('read', 2, 1, {})],
    [
      { operation: 'delete study', share: 0.5 },
      { operation: 'read', share: 0.5 },
    ],
  );
  assert.equal(mix.queueMessagesPerOperation['dicom-events'], 24.5);
  assert.equal(mix.binding, 'queue dicom-events');
});

test('a run without queue counts (the earlier baseline) has no queue limit', () => {
  const old = operationCeiling(row('store', 10, 1, {}));
  assert.equal(old.busiestQueue, undefined);
  assert.equal(old.byQueue, Infinity);
  assert.equal(old.ceiling, AZURE_TARGETS.accountRequestsPerSecond / 10);
});
