/**
 * A fixture app with a queue trigger for test/host/queueTrigger.test.ts, registered only the Azure
 * way (app.storageQueue). Each invocation is recorded with what the function received; messages
 * whose text starts with "fail" throw, those starting with "slow" take a while.
 */
import { app, type InvocationContext } from '@azure/functions';
import { queueProbes } from './queueProbes';

app.setup({ enableHttpStream: true });

async function work(message: unknown, context: InvocationContext): Promise<void> {
  queueProbes.deliveries.push({ message, triggerMetadata: context.triggerMetadata });
  queueProbes.active++;
  queueProbes.maxActive = Math.max(queueProbes.maxActive, queueProbes.active);
  try {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (text.startsWith('slow')) await new Promise((resolve) => setTimeout(resolve, 150));
    if (text.startsWith('fail')) throw new Error(`failing on purpose: ${text}`);
  } finally {
    queueProbes.active--;
  }
}

app.storageQueue('work', { queueName: 'fixture-work', connection: 'AzureWebJobsStorage', handler: work });
app.http('ping', { route: 'ping', methods: ['GET'], handler: () => Promise.resolve({ body: 'pong' }) });
