// Storage Queue triggers on the local host, against a real Azurite: delivery through the worker
// seam with the host's trigger data, base64 decoding, retries with dequeueCount, and the move to
// `{queue}-poison` after maxDequeueCount (host/functionsHost/queueListener.ts).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { startAzurite, type Azurite } from '../../host/azurite';
import { hostQueuesOptions, startFunctionsHost, type FunctionsHost } from '../../host/functionsHost/functionsHost';
import { PollingBackoff } from '../../host/functionsHost/pollingBackoff';
import { queuesOptionsFrom, QueuesOptionsError } from '../../host/functionsHost/queueOptions';
import { poisonQueueName } from '../../host/functionsHost/queueTriggers';
import { isValidQueueName } from '../../host/functionsHost/hostRules';
import { APP_ROOT } from '../support/testServer';
import { queueProbes } from './fixtureApp/queueProbes';

const MAX_DEQUEUE = 3;

describe('queue settings (host.json extensions.queues)', () => {
  it('has the extension defaults', () => {
    assert.deepEqual(queuesOptionsFrom(undefined, 2), {
      batchSize: 16,
      newBatchThreshold: 16,
      maxPollingIntervalMs: 60_000,
      visibilityTimeoutMs: 0,
      maxDequeueCount: 5,
      messageEncoding: 'base64',
    });
  });

  it('reads the settings case-insensitively and refuses what the host refuses', () => {
    const options = queuesOptionsFrom(
      { BatchSize: 8, maxPollingInterval: '00:00:02.500', visibilityTimeout: '00:01:00' },
      1,
    );
    assert.equal(options.batchSize, 8);
    assert.equal(options.newBatchThreshold, 4);
    assert.equal(options.maxPollingIntervalMs, 2500);
    assert.equal(options.visibilityTimeoutMs, 60_000);
    assert.throws(() => queuesOptionsFrom({ batchSize: 33 }), QueuesOptionsError);
    assert.throws(() => queuesOptionsFrom({ maxPollingInterval: '00:00:00.050' }), QueuesOptionsError);
    assert.throws(() => queuesOptionsFrom({ maxPollingInterval: 2000 }), QueuesOptionsError);
    assert.throws(() => queuesOptionsFrom({ maxDequeueCount: 0 }), QueuesOptionsError);
    assert.throws(() => queuesOptionsFrom({ messageEncoding: 'utf8' }), QueuesOptionsError);
  });

  it("reads the repository's host.json", () => {
    const options = hostQueuesOptions(APP_ROOT);
    assert.equal(options.maxDequeueCount, 5);
    assert.equal(options.messageEncoding, 'base64');
    assert.ok(options.maxPollingIntervalMs <= 5000);
  });

  it('backs off exponentially up to maxPollingInterval and resets after a find', () => {
    const backoff = new PollingBackoff(1000, 100, () => 0.5);
    const delays = [1, 2, 3, 4, 5, 6].map(() => backoff.next(false));
    assert.deepEqual(delays, [100, 200, 300, 500, 900, 1000]);
    assert.equal(backoff.next(true), 100);
    assert.equal(backoff.next(false), 200);
  });

  it('names poison queues as the extension does', () => {
    assert.equal(poisonQueueName('dicom-operations'), 'dicom-operations-poison');
    assert.equal(poisonQueueName('dicom-operations-poison'), undefined);
    assert.equal(poisonQueueName('q'.repeat(60)), undefined);
    assert.ok(
      isValidQueueName('abc') && !isValidQueueName('ab') && !isValidQueueName('a--b') && !isValidQueueName('Abc'),
    );
  });
});

describe('queue triggers on the local host (Azurite)', () => {
  let azurite: Azurite;
  let host: FunctionsHost;
  let queue: QueueClient;
  let poison: QueueClient;
  const logs: string[] = [];

  before(async () => {
    azurite = await startAzurite({ inMemory: true, ports: 'free' });
    process.env.AzureWebJobsStorage = azurite.connectionString;
    const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
    queue = service.getQueueClient('fixture-work');
    poison = service.getQueueClient('fixture-work-poison');
    await queue.create();
    host = await startFunctionsHost({
      appDirectory: APP_ROOT,
      entryPoint: path.join(__dirname, 'fixtureApp', 'queueApp.js'),
      log: (entry) => void logs.push(`[${entry.level}] ${entry.message}`),
      runQueueTriggers: true,
      queuesOptions: {
        batchSize: 4,
        newBatchThreshold: 2,
        maxPollingIntervalMs: 200,
        visibilityTimeoutMs: 0,
        maxDequeueCount: MAX_DEQUEUE,
        messageEncoding: 'base64',
      },
    });
  });
  after(async () => {
    await host?.stop();
    await azurite?.stop();
  });

  const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
  const deliveriesOf = (text: string) => queueProbes.deliveries.filter((d) => d.triggerMetadata?.queueTrigger === text);
  async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.fail(`gave up waiting for ${what}`);
  }

  it('indexes the queue trigger', () => {
    assert.deepEqual(
      host.index.queues.map((q) => [q.name, q.binding.queueName, q.binding.connection]),
      [['work', 'fixture-work', 'AzureWebJobsStorage']],
    );
  });

  it('delivers a base64 message with the trigger metadata the host sends, then deletes it', async () => {
    const text = JSON.stringify({ operationId: 'abc', n: 1 });
    const sent = await queue.sendMessage(base64(text));
    const delivered = () => queueProbes.deliveries.filter((d) => d.triggerMetadata?.id === sent.messageId);
    await until(() => delivered().length === 1, 'the delivery');
    const [delivery] = delivered();
    // The library parses JSON text, in the message and in the QueueTrigger metadata alike.
    assert.deepEqual(delivery?.triggerMetadata?.queueTrigger, { operationId: 'abc', n: 1 });
    assert.deepEqual(delivery?.message, { operationId: 'abc', n: 1 });
    assert.equal(delivery?.triggerMetadata?.id, sent.messageId);
    assert.equal(delivery?.triggerMetadata?.dequeueCount, 1);
    assert.equal(typeof delivery?.triggerMetadata?.popReceipt, 'string');
    assert.match(String(delivery?.triggerMetadata?.insertionTime), /^\d{4}-\d\d-\d\dT/);
    await until(async () => (await queue.getProperties()).approximateMessagesCount === 0, 'the message deleted');
  });

  it('retries a failing message with a growing dequeueCount, then moves it to the poison queue', async () => {
    const text = 'fail-always';
    await queue.sendMessage(base64(text));
    await until(
      async () => (await poison.exists()) && (await poison.peekMessages()).peekedMessageItems.length > 0,
      'poison',
    );
    assert.deepEqual(
      deliveriesOf(text).map((d) => d.triggerMetadata?.dequeueCount),
      [1, 2, 3],
    );
    const [moved] = (await poison.receiveMessages()).receivedMessageItems;
    assert.equal(moved?.messageText, base64(text)); // the same encoded body
    if (moved) await poison.deleteMessage(moved.messageId, moved.popReceipt);
    await until(async () => (await queue.getProperties()).approximateMessagesCount === 0, 'the source queue empty');
    assert.ok(logs.some((line) => line.includes(`Message has reached MaxDequeueCount of ${MAX_DEQUEUE}`)));
  });

  it('moves a message that is not base64 to the poison queue without invoking the function', async () => {
    const text = 'not base64 at all!';
    await queue.sendMessage(text);
    await until(async () => (await poison.peekMessages()).peekedMessageItems.length > 0, 'poison');
    const [moved] = (await poison.receiveMessages()).receivedMessageItems;
    assert.equal(moved?.messageText, text);
    if (moved) await poison.deleteMessage(moved.messageId, moved.popReceipt);
    assert.equal(
      queueProbes.deliveries.some((d) => d.triggerMetadata?.id === moved?.messageId),
      false,
    );
  });

  it('runs a batch concurrently, never more than batchSize + newBatchThreshold at once, each message once', async () => {
    queueProbes.maxActive = 0;
    const texts = Array.from({ length: 12 }, (_, i) => `slow-${i}`);
    for (const text of texts) await queue.sendMessage(base64(text));
    await until(() => texts.every((t) => deliveriesOf(t).length >= 1), 'every delivery');
    await until(async () => (await queue.getProperties()).approximateMessagesCount === 0, 'the queue empty');
    assert.ok(texts.every((t) => deliveriesOf(t).length === 1));
    assert.ok(queueProbes.maxActive >= 2 && queueProbes.maxActive <= 6, `${queueProbes.maxActive} at once`);
  });
});
