/**
 * The bulk update operation (type `update`, docs/bulk-update.md): the studies one after the other,
 * a bounded batch of instances per step. The checkpoint says which study and which instance of it
 * come next, and the counts so far; a step that runs again after a crash skips the instances this
 * operation already updated (they carry its id) and counts them again from the checkpoint, so
 * nothing is updated or counted twice.
 */
import { mapConcurrently } from '../changefeed/mapConcurrently';
import type { OperationHandler, OperationState, OperationStepResult } from '../operations/operationTypes';
import { DEFAULT_PARTITION } from '../partitions/partition';
import { runInPartition } from '../partitions/partitionContext';
import { findPartition } from '../partitions/partitionRegistry';
import { refreshStudy } from '../search/summaryRefresh';
import { newVersion, versionPrefix, type InstanceKey } from '../storage/blobLayout';
import { deleteBlobsWithPrefix } from '../storage/blobUpload';
import { listVisibleInstances } from '../storage/instanceQueries';
import { RequestMarkers } from '../store/requestMarkers';
import { getConfig } from '../config';
import type { AttributeChange } from './changeDataset';
import { updateInstance } from './instanceUpdate';

export interface UpdateCheckpoint {
  readonly partition: string;
  readonly studyInstanceUids: readonly string[];
  readonly changes: readonly AttributeChange[];
  /** The study being updated, by its index. */
  readonly next: number;
  /** The RowKey of the last instance of study `next` already handled. */
  readonly after?: string;
  /** Instance failures of study `next` so far (its first few messages). */
  readonly studyErrors?: readonly string[];
  readonly studyFailures?: number;
  readonly studyUpdated: number;
  readonly studyFailed: number;
  readonly instanceUpdated: number;
  readonly errors: readonly string[];
}

export interface UpdateResults {
  readonly studyProcessed: number;
  readonly studyUpdated: number;
  readonly studyFailed: number;
  readonly instanceUpdated: number;
  readonly errors?: readonly string[];
}

/** Instances per step: bounded work between checkpoints (a step must stay well under a minute). */
export const UPDATE_STEP_INSTANCES = 64;
const UPDATE_CONCURRENCY = 8;
/** Instance errors listed per failed study, as Azure lists them. */
const LISTED_INSTANCE_ERRORS = 5;
/** The errors stay well inside the operation's 32,000-character checkpoint. */
const MAX_ERROR_CHARS = 12_000;
const MAX_ERROR_LENGTH = 300;
/** Replaced blobs outlive the swap briefly: a retrieve that read the entity before it may still stream them. */
const REPLACED_GRACE_MS = 2000;

export const updateOperation: OperationHandler<UpdateCheckpoint> = {
  type: 'update',
  step: async (operation) => {
    const partition = await findPartition(operation.checkpoint.partition || DEFAULT_PARTITION.name);
    if (!partition) return finished(operation.checkpoint, 'The data partition of the update does not exist.');
    return runInPartition(partition, () => updateStep(operation));
  },
};

async function updateStep(operation: OperationState<UpdateCheckpoint>): Promise<OperationStepResult<UpdateCheckpoint>> {
  const checkpoint = operation.checkpoint;
  const study = checkpoint.studyInstanceUids[checkpoint.next];
  if (study === undefined) return finished(checkpoint);

  const batch: { key: InstanceKey; rowKey: string }[] = [];
  let more = false;
  for await (const row of listVisibleInstances({ studyInstanceUid: study }, [])) {
    if (checkpoint.after !== undefined && row.rowKey <= checkpoint.after) continue;
    if (batch.length === UPDATE_STEP_INSTANCES) {
      more = true;
      break;
    }
    batch.push({
      key: { studyInstanceUid: study, seriesInstanceUid: row.SeriesInstanceUID, sopInstanceUid: row.SOPInstanceUID },
      rowKey: row.rowKey,
    });
  }

  const requestVersion = newVersion();
  let attempts = 0;
  const markers = new RequestMarkers(requestVersion, (getConfig().store.leaseSeconds * 1000) / 3);
  const replaced: { key: InstanceKey; version: string }[] = [];
  const log = (message: string) => console.warn(`update ${operation.id}: ${message}`);
  const outcomes = await mapConcurrently(batch, UPDATE_CONCURRENCY, ({ key }) =>
    updateInstance(key, {
      operationId: operation.id,
      changes: checkpoint.changes,
      requestVersion,
      nextAttempt: () => attempts++,
      markers,
      onReplaced: (k, version) => replaced.push({ key: k, version }),
      log,
    }),
  );
  // Search summaries and indexes take the new study-level values in before the checkpoint moves on.
  if (batch.length > 0) await refreshStudy(study);
  setTimeout(() => void removeReplaced(replaced).then(() => markers.removeAll(log)), REPLACED_GRACE_MS).unref();

  let instanceUpdated = checkpoint.instanceUpdated;
  const studyErrors = [...(checkpoint.studyErrors ?? [])];
  let studyFailures = checkpoint.studyFailures ?? 0;
  outcomes.forEach((outcome, i) => {
    if (outcome === 'updated') instanceUpdated++;
    else {
      studyFailures++;
      if (studyErrors.length < LISTED_INSTANCE_ERRORS) {
        studyErrors.push(cut(`Failed to update instance ${batch[i]?.key.sopInstanceUid ?? ''}: ${outcome.failed}`));
      }
    }
  });
  if (more) {
    const next: UpdateCheckpoint = {
      ...checkpoint,
      after: batch[batch.length - 1]?.rowKey,
      studyErrors,
      studyFailures,
      instanceUpdated,
    };
    return { checkpoint: next, percentComplete: percentOf(next), done: false };
  }
  const failed = studyFailures > 0;
  // A study with no instances (never stored, or deleted meanwhile) is processed, neither updated nor failed.
  const found = checkpoint.after !== undefined || batch.length > 0;
  const errors = failed ? withStudyErrors(checkpoint.errors, study, studyErrors, studyFailures) : checkpoint.errors;
  const next: UpdateCheckpoint = {
    partition: checkpoint.partition,
    studyInstanceUids: checkpoint.studyInstanceUids,
    changes: checkpoint.changes,
    next: checkpoint.next + 1,
    studyUpdated: checkpoint.studyUpdated + (failed || !found ? 0 : 1),
    studyFailed: checkpoint.studyFailed + (failed ? 1 : 0),
    instanceUpdated,
    errors,
  };
  if (next.next >= next.studyInstanceUids.length) return finished(next);
  return { checkpoint: next, percentComplete: percentOf(next), done: false, results: resultsOf(next) };
}

/** Azure's wording: the study, its first instance errors, and a note when there were more. */
function withStudyErrors(
  errors: readonly string[],
  study: string,
  studyErrors: readonly string[],
  failures: number,
): string[] {
  const added = [`Failed to update instances for study ${study}`, ...studyErrors];
  if (failures > studyErrors.length) {
    added.push(
      'There are more instances failed to update than listed above. Please check the diagnostics logs for the complete list.',
    );
  }
  const all = [...errors];
  let size = all.reduce((n, e) => n + e.length, 0);
  for (const error of added) {
    if (size + error.length > MAX_ERROR_CHARS) break;
    all.push(error);
    size += error.length;
  }
  return all;
}

function finished(checkpoint: UpdateCheckpoint, failure?: string): OperationStepResult<UpdateCheckpoint> {
  const results = resultsOf(checkpoint);
  // Azure's orchestration throws at the end when any study failed: the operation is `failed`.
  const reason = failure ?? (checkpoint.studyFailed > 0 ? checkpoint.errors[0] : undefined);
  if (reason === undefined) return { checkpoint, percentComplete: 100, done: true, results };
  // The runner keeps `results.errors` when it already lists `failure`.
  return { checkpoint, percentComplete: percentOf(checkpoint), done: true, failure: reason, results };
}

function resultsOf(checkpoint: UpdateCheckpoint): UpdateResults {
  return {
    studyProcessed: checkpoint.next,
    studyUpdated: checkpoint.studyUpdated,
    studyFailed: checkpoint.studyFailed,
    instanceUpdated: checkpoint.instanceUpdated,
    ...(checkpoint.errors.length > 0 ? { errors: checkpoint.errors } : {}),
  };
}

function percentOf(checkpoint: UpdateCheckpoint): number {
  return Math.floor((checkpoint.next / Math.max(1, checkpoint.studyInstanceUids.length)) * 100);
}

function cut(text: string): string {
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

async function removeReplaced(replaced: readonly { key: InstanceKey; version: string }[]): Promise<void> {
  await mapConcurrently([...replaced], 4, async ({ key, version }) => {
    await deleteBlobsWithPrefix(versionPrefix(key, version)).catch((error: unknown) => {
      console.warn(`Blobs of replaced version ${versionPrefix(key, version)} left for recovery: ${String(error)}`);
    });
  });
}
