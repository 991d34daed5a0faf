/**
 * The long-running operations runner (docs/operations.md): handlers register by type, an operation
 * is started as a table entity plus a queue message, and every message runs one step of it.
 */
import { newOperationId } from './operationId';
import { enqueueStep, type StepMessage } from './operationQueue';
import {
  CheckpointTooLargeError,
  createOperation,
  listActive,
  readOperation,
  saveOperation,
  type StoredOperation,
} from './operationStore';
import {
  isTerminal,
  type OperationHandler,
  type OperationState,
  type OperationStatus,
  type OperationStepResult,
  type OperationType,
} from './operationTypes';

export type OperationLog = (message: string) => void;

const handlers = new Map<OperationType, OperationHandler<unknown>>();

export function registerOperationHandler<C>(handler: OperationHandler<C>): void {
  if (handlers.has(handler.type)) throw new Error(`An operation handler for '${handler.type}' is already registered.`);
  handlers.set(handler.type, handler);
}

/** Creates the operation entity (status notStarted) and enqueues its first step. */
export async function startOperation<C>(
  type: OperationType,
  checkpoint: C,
  resources: readonly string[],
): Promise<OperationState<C>> {
  const now = new Date();
  const state: OperationState<C> = {
    id: newOperationId(),
    type,
    status: 'notStarted',
    checkpoint,
    createdTime: now,
    lastUpdatedTime: now,
    percentComplete: 0,
    resources: [...resources],
  };
  await createOperation(state);
  // If this enqueue is lost, the stale-operation timer sends it (the operation is in the active index).
  await enqueueStep({ operationId: state.id, step: 0 });
  return state;
}

export async function getOperation(id: string): Promise<OperationState<unknown> | undefined> {
  return (await readOperation(id))?.state;
}

/** The newest operation of `type` that is notStarted or running. */
export async function findActiveOperation(type: OperationType): Promise<OperationState<unknown> | undefined> {
  const candidates = (await listActive(ACTIVE_SCAN_LIMIT))
    .filter((row) => row.type === type)
    .sort((a, b) => b.createdTime.getTime() - a.createdTime.getTime());
  for (const candidate of candidates) {
    const stored = await readOperation(candidate.id);
    if (stored && !isTerminal(stored.state.status)) return stored.state;
  }
  return undefined;
}

/** Most active index rows read at once (a bound on the work of one call; docs/limits.md). */
export const ACTIVE_SCAN_LIMIT = 1000;

/**
 * One step of an operation, for one queue message. Throws when the step fails, so that the queue
 * retries the message (and moves it to the poison queue after maxDequeueCount).
 */
export async function runOperationStep(message: StepMessage, log: OperationLog): Promise<void> {
  const stored = await readOperation(message.operationId);
  if (!stored) return log(`Operation ${message.operationId} does not exist; message dropped.`);
  const { state } = stored;
  if (isTerminal(state.status)) return;
  // A duplicate (re-enqueued by the timer or at start-up) of a step that has already run.
  if (message.step !== undefined && message.step !== stored.step) return;
  const handler = handlers.get(state.type);
  if (!handler) throw new Error(`No handler is registered for operations of type '${state.type}'.`);

  const result = await handler.step(state);
  const now = new Date();
  const percentComplete = clampPercent(result.percentComplete);
  if (!result.done && result.failure === undefined) {
    const next: OperationState<unknown> = {
      ...state,
      status: 'running',
      checkpoint: result.checkpoint,
      percentComplete,
      lastUpdatedTime: now,
      ...(result.results === undefined ? {} : { results: result.results }),
    };
    if (!(await save(next, stored, { step: stored.step + 1, requeues: 0 }, log))) return;
    await enqueueStep({ operationId: state.id, step: stored.step + 1 });
    return;
  }
  const final = terminalState(state, result, percentComplete, now);
  // Before the terminal save: a crash in between runs the last step and finish again (both idempotent).
  await handler.finish?.(final);
  await save(final, stored, { step: stored.step + 1, requeues: 0 }, log);
}

/**
 * A step message that reached the poison queue: the step failed maxDequeueCount times. The
 * operation fails (unless it has moved on since), and the handler's finish runs.
 */
export async function failPoisonedStep(message: StepMessage, log: OperationLog): Promise<void> {
  const stored = await readOperation(message.operationId);
  if (!stored || isTerminal(stored.state.status)) return;
  if (message.step !== undefined && message.step !== stored.step) return;
  await failOperation(stored, 'The operation failed: one of its steps failed repeatedly.', log);
}

/** Ends an operation as failed with `reason`, running its handler's finish (whose failure is only logged). */
export async function failOperation(stored: StoredOperation, reason: string, log: OperationLog): Promise<boolean> {
  const final = terminalState(
    stored.state,
    { checkpoint: stored.state.checkpoint, percentComplete: stored.state.percentComplete, done: true, failure: reason },
    stored.state.percentComplete,
    new Date(),
  );
  try {
    await handlers.get(stored.state.type)?.finish?.(final);
  } catch (error) {
    log(`Operation ${stored.state.id}: finish failed after the operation failed: ${String(error)}`);
  }
  return save(final, stored, { step: stored.step + 1, requeues: stored.requeues }, log);
}

function terminalState(
  state: OperationState<unknown>,
  result: OperationStepResult<unknown>,
  percentComplete: number,
  now: Date,
): OperationState<unknown> {
  const status: OperationStatus = result.failure === undefined ? 'succeeded' : 'failed';
  const results = result.failure === undefined ? result.results : withFailure(result.results, result.failure);
  return {
    ...state,
    status,
    checkpoint: result.checkpoint,
    percentComplete: status === 'succeeded' ? 100 : percentComplete,
    lastUpdatedTime: now,
    ...(results === undefined ? {} : { results }),
  };
}

async function save(
  next: OperationState<unknown>,
  stored: StoredOperation,
  bookkeeping: { step: number; requeues: number },
  log: OperationLog,
): Promise<boolean> {
  let saved: boolean;
  try {
    saved = await saveOperation(next, bookkeeping, stored.etag);
  } catch (error) {
    if (!(error instanceof CheckpointTooLargeError)) throw error;
    // A handler bug no retry can fix: the operation fails with the reason.
    const failed = terminalState(
      stored.state,
      { checkpoint: stored.state.checkpoint, percentComplete: 0, done: true, failure: error.message },
      stored.state.percentComplete,
      new Date(),
    );
    saved = await saveOperation(failed, bookkeeping, stored.etag);
  }
  // Someone else saved the operation since we read it (a concurrent runner): our work is dropped.
  if (!saved) log(`Operation ${next.id}: another runner saved step ${stored.step} first; this run is dropped.`);
  return saved;
}

function clampPercent(value: number): number {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, Math.floor(value))) : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The results of a failed operation: `failure` in `errors`, after the errors the handler listed (bulk update lists several). */
function withFailure(results: unknown, failure: string): Record<string, unknown> {
  const base = isObject(results) ? results : {};
  const listed = Array.isArray(base.errors) ? (base.errors as unknown[]) : [];
  return { ...base, errors: listed.includes(failure) ? listed : [...listed, failure] };
}
