/**
 * The operations queue: one message per step to run, `{"operationId": "...", "step": n}`, base64
 * encoded as the Functions queue trigger expects by default (host.json extensions.queues).
 */
import { queueNamed } from '../storage/clients';
import { isOperationId } from './operationId';

/** Queue names take no table prefix: one per storage account (docs/operations.md). */
export const OPERATIONS_QUEUE = 'dicom-operations';
/** Where the host moves a step message after maxDequeueCount failed attempts. */
export const OPERATIONS_POISON_QUEUE = `${OPERATIONS_QUEUE}-poison`;

export interface StepMessage {
  readonly operationId: string;
  /** The step it asks for; absent: whatever step the operation is at. */
  readonly step?: number;
}

export async function enqueueStep(message: StepMessage): Promise<void> {
  const text = JSON.stringify(message);
  await queueNamed(OPERATIONS_QUEUE).sendMessage(Buffer.from(text, 'utf8').toString('base64'));
}

/** Creates both queues if missing (storage provisioning). */
export async function ensureOperationQueues(): Promise<void> {
  await Promise.all([OPERATIONS_QUEUE, OPERATIONS_POISON_QUEUE].map((name) => queueNamed(name).createIfNotExists()));
}

/** The step message the trigger received (already decoded and JSON-parsed by the library), or undefined if malformed. */
export function parseStepMessage(value: unknown): StepMessage | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { operationId, step } = value as { operationId?: unknown; step?: unknown };
  if (typeof operationId !== 'string' || !isOperationId(operationId)) return undefined;
  if (step !== undefined && !(typeof step === 'number' && Number.isSafeInteger(step) && step >= 0)) return undefined;
  return step === undefined ? { operationId } : { operationId, step };
}
