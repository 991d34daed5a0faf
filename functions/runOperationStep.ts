// Queue triggers: one step of a long-running operation per message of `dicom-operations`, and the
// end of an operation whose step message reached `dicom-operations-poison` (docs/operations.md).
import { app, type InvocationContext } from '@azure/functions';
import { OPERATIONS_POISON_QUEUE, OPERATIONS_QUEUE, parseStepMessage } from '../shared/operations/operationQueue';
import { failPoisonedStep, runOperationStep as runStep } from '../shared/operations/operationRunner';
import { ensureStorage } from '../shared/storage/provision';

export async function runOperationStep(message: unknown, context: InvocationContext): Promise<void> {
  const step = parseStepMessage(message);
  // A malformed message can never succeed: dropped (and logged) rather than retried into poison.
  if (!step) return context.warn(`Operation step message ignored, not {"operationId", "step"}: ${preview(message)}`);
  await ensureStorage();
  await runStep(step, (line) => context.warn(line));
}

export async function failPoisonedOperationStep(message: unknown, context: InvocationContext): Promise<void> {
  const step = parseStepMessage(message);
  if (!step) return context.warn(`Poison message ignored, not {"operationId", "step"}: ${preview(message)}`);
  await ensureStorage();
  await failPoisonedStep(step, (line) => context.warn(line));
}

function preview(message: unknown): string {
  const text = typeof message === 'string' ? message : (JSON.stringify(message) ?? String(message));
  return text.slice(0, 200);
}

app.storageQueue('runOperationStep', {
  queueName: OPERATIONS_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: runOperationStep,
});
app.storageQueue('failPoisonedOperationStep', {
  queueName: OPERATIONS_POISON_QUEUE,
  connection: 'AzureWebJobsStorage',
  handler: failPoisonedOperationStep,
});
