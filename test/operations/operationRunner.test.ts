// The operations runner through its module API, on the local host with real queue triggers over
// Azurite: steps resume from the last saved checkpoint after a step that crashes before or after
// its work, the operation finishes exactly once, duplicates and lost messages are handled, and a
// step that keeps failing ends in the poison queue and fails the operation.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostQueuesOptions } from '../../host/functionsHost/functionsHost';
import { enqueueStep } from '../../shared/operations/operationQueue';
import {
  findActiveOperation,
  getOperation,
  registerOperationHandler,
  startOperation,
} from '../../shared/operations/operationRunner';
import { createOperation, readOperation } from '../../shared/operations/operationStore';
import type { OperationState, OperationStatus } from '../../shared/operations/operationTypes';
import { requeueStaleOperations } from '../../shared/operations/staleOperations';
import { newOperationId } from '../../shared/operations/operationId';
import { APP_ROOT } from '../support/testServer';
import { useTestServer } from '../support/serverFixture';

interface CountCheckpoint {
  readonly next: number;
  readonly total: number;
  /** On the first attempt at this `next`, throw before doing anything (a crash mid-step). */
  readonly crashBeforeWorkAt?: number;
  /** On the first attempt at this `next`, do the work and then throw (a crash before the save). */
  readonly crashAfterWorkAt?: number;
  readonly failAt?: number;
}

const ITEMS_PER_STEP = 2;
/** Per operation: how often each item's work was applied, each checkpoint attempted, finish called. */
const applied = new Map<string, number[]>();
const attempts = new Map<string, number>();
const finished = new Map<string, OperationStatus[]>();

registerOperationHandler<CountCheckpoint>({
  type: 'internal:test-count',
  step(operation) {
    const { next, total } = operation.checkpoint;
    const key = `${operation.id}:${next}`;
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    if (attempt === 1 && operation.checkpoint.crashBeforeWorkAt === next) throw new Error('crash before the work');
    if (operation.checkpoint.failAt === next) {
      return Promise.resolve({
        checkpoint: operation.checkpoint,
        percentComplete: 50,
        done: true,
        failure: 'bad item',
      });
    }
    const counts = applied.get(operation.id) ?? new Array<number>(total).fill(0);
    applied.set(operation.id, counts);
    const end = Math.min(total, next + ITEMS_PER_STEP);
    for (let item = next; item < end; item++) counts[item] = (counts[item] ?? 0) + 1;
    if (attempt === 1 && operation.checkpoint.crashAfterWorkAt === next) throw new Error('crash after the work');
    return Promise.resolve({
      checkpoint: { ...operation.checkpoint, next: end },
      percentComplete: (end / total) * 100,
      done: end >= total,
      results: { counted: end },
    });
  },
  finish(operation) {
    finished.set(operation.id, [...(finished.get(operation.id) ?? []), operation.status]);
    return Promise.resolve();
  },
});

registerOperationHandler<null>({
  type: 'internal:test-always-throws',
  step: () => Promise.reject(new Error('this step always fails')),
  finish(operation) {
    finished.set(operation.id, [...(finished.get(operation.id) ?? []), operation.status]);
    return Promise.resolve();
  },
});

async function settled(id: string): Promise<OperationState<unknown>> {
  for (let i = 0; i < 600; i++) {
    const operation = await getOperation(id);
    if (operation && ['succeeded', 'failed', 'canceled'].includes(operation.status)) return operation;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`operation ${id} did not end`);
}

describe('the operations runner (queue triggers on Azurite)', () => {
  useTestServer({
    runQueueTriggers: true,
    // host.json's rules, with immediate retries and quick polling so that the test is short.
    queuesOptions: { ...hostQueuesOptions(APP_ROOT), visibilityTimeoutMs: 0, maxPollingIntervalMs: 200 },
  });

  test('resumes from the last saved checkpoint after crashes, and finishes exactly once', async () => {
    const checkpoint: CountCheckpoint = { next: 0, total: 10, crashBeforeWorkAt: 4, crashAfterWorkAt: 6 };
    const operation = await startOperation('internal:test-count', checkpoint, []);
    const ended = await settled(operation.id);
    assert.equal(ended.status, 'succeeded');
    assert.equal(ended.percentComplete, 100);
    assert.deepEqual(ended.results, { counted: 10 });
    assert.deepEqual(ended.checkpoint, { ...checkpoint, next: 10 });
    // Steps before a crash never ran again; the crashed ones ran twice from their own checkpoint.
    assert.deepEqual(
      [0, 2, 4, 6, 8].map((next) => attempts.get(`${operation.id}:${next}`)),
      [1, 1, 2, 2, 1],
    );
    // Work done before a crash without a save is done again (handlers must be idempotent); the rest once.
    assert.deepEqual(applied.get(operation.id), [1, 1, 1, 1, 1, 1, 2, 2, 1, 1]);
    assert.deepEqual(finished.get(operation.id), ['succeeded']);
    assert.equal(await findActiveOperation('internal:test-count'), undefined);
  });

  test('duplicate messages for a step run it at most once more and never finish twice', async () => {
    const operation = await startOperation<CountCheckpoint>('internal:test-count', { next: 0, total: 6 }, []);
    await Promise.all([
      enqueueStep({ operationId: operation.id, step: 0 }),
      enqueueStep({ operationId: operation.id }),
    ]);
    const ended = await settled(operation.id);
    assert.equal(ended.status, 'succeeded');
    // A late duplicate of a step that has run is dropped.
    await enqueueStep({ operationId: operation.id, step: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.deepEqual(finished.get(operation.id), ['succeeded']);
    assert.equal((await getOperation(operation.id))?.lastUpdatedTime.getTime(), ended.lastUpdatedTime.getTime());
  });

  test('a step that reports a failure ends the operation failed with the reason in results', async () => {
    const operation = await startOperation<CountCheckpoint>(
      'internal:test-count',
      { next: 0, total: 6, failAt: 2 },
      [],
    );
    const ended = await settled(operation.id);
    assert.equal(ended.status, 'failed');
    assert.deepEqual(ended.results, { errors: ['bad item'] });
    assert.deepEqual(finished.get(operation.id), ['failed']);
  });

  test('a step that always throws goes to the poison queue after maxDequeueCount, and the operation fails', async () => {
    const operation = await startOperation('internal:test-always-throws', null, []);
    const ended = await settled(operation.id);
    assert.equal(ended.status, 'failed');
    assert.match(JSON.stringify(ended.results), /failed repeatedly/);
    assert.deepEqual(finished.get(operation.id), ['failed']);
  });

  test('an operation whose message was lost is re-enqueued once it is stale, and then completes', async () => {
    // As if the process died between creating the operation (or saving a step) and enqueuing.
    const now = new Date();
    const lost: OperationState<CountCheckpoint> = {
      id: newOperationId(),
      type: 'internal:test-count',
      status: 'notStarted',
      checkpoint: { next: 0, total: 4 },
      createdTime: now,
      lastUpdatedTime: now,
      percentComplete: 0,
      resources: [],
    };
    await createOperation(lost);
    const quiet = await requeueStaleOperations(60_000, () => undefined);
    assert.equal(quiet.requeued, 0); // not stale yet
    const result = await requeueStaleOperations(0, () => undefined);
    assert.equal(result.requeued, 1);
    assert.equal((await settled(lost.id)).status, 'succeeded');
    assert.deepEqual(finished.get(lost.id), ['succeeded']);
  });

  test('findActiveOperation answers the newest notStarted or running operation of a type', async () => {
    const base = { status: 'notStarted', checkpoint: null, percentComplete: 0, resources: [] } as const;
    const type = 'internal:test-idle' as const;
    const older = {
      ...base,
      id: newOperationId(),
      type,
      createdTime: new Date(Date.now() - 5000),
    };
    const newer = { ...base, id: newOperationId(), type, createdTime: new Date() };
    await createOperation({ ...older, lastUpdatedTime: older.createdTime });
    await createOperation({ ...newer, lastUpdatedTime: newer.createdTime });
    assert.equal((await findActiveOperation('internal:test-idle'))?.id, newer.id);
    assert.equal(await findActiveOperation('internal:test-other'), undefined);
    assert.equal((await readOperation(newer.id))?.step, 0);
  });
});
