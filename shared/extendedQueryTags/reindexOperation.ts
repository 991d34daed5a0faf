/**
 * Reindex as an operation (operation type `reindex`): indexes every stored instance, partition by
 * partition, in pages from a checkpoint (partition + table position), then sets its tags ready.
 * A step may run twice from one checkpoint (crash, stale runner): index writes are upserts of
 * deterministic entities, error rows are keyed by instance, and every count is derived from the
 * checkpoint (previous counts + this page), never incremented in storage, so nothing is counted
 * twice. Azure's end state: `ready`, and `queryStatus: disabled` when any value was invalid.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { OperationHandler, OperationState, OperationStepResult } from '../operations/operationTypes';
import { countInstances, walkInstances } from './instanceWalk';
import { inReindexPartition, reindexPartitions } from './reindexPartitions';
import { instanceTagWrites } from './storeIndexing';
import { writeTagErrors } from './tagErrors';
import type { ExtendedQueryTag, TagRef } from './tagModel';
import { listTags, mergeTag } from './tagStore';
import { writeTagEntries } from './tagWriter';

export interface ReindexCheckpoint {
  readonly tags: readonly TagRef[];
  /** Epoch ms: the walk starts once every store that could have missed the tags is visible. */
  readonly notBefore: number;
  readonly phase: 'count' | 'index';
  /** Filled by the first step; the partitions feature decides the list. */
  readonly partitions?: readonly string[];
  readonly partitionIndex: number;
  readonly continuation?: string;
  /** Instances counted in the count phase (for percentComplete). */
  readonly total: number;
  readonly processed: number;
  /** Invalid values found so far, by tag path. */
  readonly errors: Readonly<Record<string, number>>;
}

/** Instances per step: a few seconds of work, bounded memory (metadata on the entity is at most ~64 KB). */
export const REINDEX_PAGE_SIZE = 250;
const COUNT_PAGES_PER_STEP = 50;
/** Longest wait inside one step before the walk may start. */
const MAX_WAIT_MS = 10_000;

export function newReindexCheckpoint(tags: readonly TagRef[], notBefore: number): ReindexCheckpoint {
  return { tags, notBefore, phase: 'count', partitionIndex: 0, total: 0, processed: 0, errors: {} };
}

export const reindexHandler: OperationHandler<ReindexCheckpoint> = {
  type: 'reindex',
  step: reindexStep,
};

export async function reindexStep(
  operation: OperationState<ReindexCheckpoint>,
): Promise<OperationStepResult<ReindexCheckpoint>> {
  const checkpoint = operation.checkpoint;
  const partitions = checkpoint.partitions ?? (await reindexPartitions());
  const at = { ...checkpoint, partitions };
  const tags = await boundTags(at, operation.id);
  if (tags.length === 0) return { checkpoint: at, percentComplete: 100, done: true };
  if (at.phase === 'count') return countStep(at);
  const wait = at.notBefore - Date.now();
  if (wait > 0) {
    await sleep(Math.min(wait, MAX_WAIT_MS));
    return { checkpoint: at, percentComplete: 0, done: false };
  }
  const partition = partitions[at.partitionIndex];
  if (partition === undefined) return complete(at, tags);
  const page = await inReindexPartition(partition, async () => {
    const walked = await walkInstances(at.continuation, REINDEX_PAGE_SIZE);
    const errors: { tag: ExtendedQueryTag; key: (typeof walked.instances)[number]['key']; message: string }[] = [];
    const writes = walked.instances.flatMap((instance) => {
      const result = instanceTagWrites(tags, instance.dataset, instance.key);
      for (const e of result.invalid) errors.push({ ...e, key: instance.key });
      return result.writes;
    });
    await Promise.all([writeTagEntries(writes), writeTagErrors(errors, partition)]);
    return { walked, errors };
  });
  const errorCounts = { ...at.errors };
  for (const e of page.errors) errorCounts[e.tag.path] = (errorCounts[e.tag.path] ?? 0) + 1;
  const next: ReindexCheckpoint = {
    ...at,
    processed: at.processed + page.walked.instances.length,
    errors: errorCounts,
    ...(page.walked.continuation === undefined
      ? { partitionIndex: at.partitionIndex + 1, continuation: undefined }
      : { continuation: page.walked.continuation }),
  };
  if (page.errors.length > 0) await publishErrorCounts(tags, errorCounts);
  if (next.partitionIndex >= partitions.length) return complete(next, tags);
  return { checkpoint: next, percentComplete: percentOf(next), done: false };
}

async function countStep(at: ReindexCheckpoint & { partitions: readonly string[] }) {
  const partition = at.partitions[at.partitionIndex];
  if (partition === undefined) {
    const indexing: ReindexCheckpoint = { ...at, phase: 'index', partitionIndex: 0, continuation: undefined };
    return { checkpoint: indexing, percentComplete: 0, done: false };
  }
  const counted = await inReindexPartition(partition, () => countInstances(at.continuation, COUNT_PAGES_PER_STEP));
  const next: ReindexCheckpoint = {
    ...at,
    total: at.total + counted.count,
    ...(counted.continuation === undefined
      ? { partitionIndex: at.partitionIndex + 1, continuation: undefined }
      : { continuation: counted.continuation }),
  };
  return { checkpoint: next, percentComplete: 0, done: false };
}

/** (processed / total), below 100 until the walk ends (the total may grow while it runs). */
function percentOf(at: ReindexCheckpoint): number {
  if (at.total === 0) return 0;
  return Math.min(99, Math.floor((at.processed / at.total) * 100));
}

/** The operation's tags that still exist in this definition and are still being added. */
async function boundTags(at: ReindexCheckpoint, operationId: string): Promise<ExtendedQueryTag[]> {
  const wanted = new Map(at.tags.map((t) => [t.path, t.generation]));
  const current = await listTags();
  return current.filter(
    (t) =>
      wanted.get(t.path) === t.generation &&
      t.status === 'adding' &&
      (t.operationId === undefined || t.operationId === operationId),
  );
}

/** Sets each tag's error count to the checkpoint's (a set, not an increment: re-runs agree). */
async function publishErrorCounts(tags: readonly ExtendedQueryTag[], counts: Readonly<Record<string, number>>) {
  await Promise.all(
    tags.map((tag) =>
      mergeTag(tag.path, tag.generation, (t) => {
        const errorCount = counts[t.path] ?? 0;
        if (t.errorCount === errorCount && (errorCount === 0 || t.queryStatus === 'disabled')) return undefined;
        return { ...t, errorCount, queryStatus: errorCount > 0 ? 'disabled' : t.queryStatus };
      }),
    ),
  );
}

async function complete(
  at: ReindexCheckpoint,
  tags: readonly ExtendedQueryTag[],
): Promise<OperationStepResult<ReindexCheckpoint>> {
  await Promise.all(
    tags.map((tag) =>
      mergeTag(tag.path, tag.generation, (t) => {
        if (t.status !== 'adding') return undefined;
        const errorCount = at.errors[t.path] ?? 0;
        const { operationId: _bound, ...rest } = t;
        return {
          ...rest,
          status: 'ready',
          errorCount,
          queryStatus: errorCount > 0 ? 'disabled' : t.queryStatus,
        };
      }),
    ),
  );
  return { checkpoint: at, percentComplete: 100, done: true };
}
