/**
 * The export operation: copies the stored files an export names to
 * `{operationId}/results/{study}/{series}/{sop}.dcm` in the destination container, a bounded batch
 * per step. The checkpoint says which identifier and which instance of it come next, and how many
 * were exported or skipped so far; a step that runs again after a crash copies the same files
 * again (same names, the same bytes) and counts from the checkpoint, so nothing is counted twice.
 * A block blob becomes visible only when its upload commits, so no half-copied file is ever seen.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { Readable } from 'node:stream';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import type { OperationHandler, OperationState, OperationStepResult } from '../operations/operationTypes';
import { DEFAULT_PARTITION } from '../partitions/partition';
import { runInPartition } from '../partitions/partitionContext';
import { findPartition } from '../partitions/partitionRegistry';
import { fileBlobName } from '../storage/blobLayout';
import { blobContainer } from '../storage/clients';
import { listVisibleInstances, type VisibleInstance } from '../storage/instanceQueries';
import { isStorageStatus, storageStatus } from '../storage/storageErrors';
import { formatDicomIdentifier, type DicomIdentifier } from './dicomIdentifier';
import { destinationContainer } from './exportDestination';
import { appendExportErrors, errorLogBlob, type ExportErrorEntry } from './exportErrorLog';
import { deleteExportSpecification, loadExportSpecification } from './exportSpecStore';

export interface ExportCheckpoint {
  /** The data partition the export reads from (its name; absent before partitions existed). */
  readonly partition?: string;
  /** The specification's blob (exportSpecStore.ts). */
  readonly specification: string;
  /** The identifier being exported, by its index. */
  readonly next: number;
  /** The RowKey (`{series}|{sop}`) of the last instance of identifier `next` already copied. */
  readonly after?: string;
  readonly exported: number;
  readonly skipped: number;
}

export interface ExportResults {
  readonly exported: number;
  readonly skipped: number;
  /** The error log's URL, without a query string (so without a SAS). */
  readonly errorHref: string;
}

/** Instances copied per step: bounded work between checkpoints. */
export const EXPORT_STEP_INSTANCES = 64;
/** Copies in flight at once within a step. */
const EXPORT_CONCURRENCY = 8;
/** Block size and buffers of one copy: memory per copy is at most their product. */
const COPY_BLOCK_BYTES = 4 * 1024 * 1024;
const COPY_BUFFERS = 2;
/** Files up to this size are read whole and written in one call: at most 8 × 4 MiB held per step. */
const SINGLE_PUT_BYTES = 4 * 1024 * 1024;

type CopyOutcome = 'exported' | { skipped: string } | { failed: string };

export const exportOperation: OperationHandler<ExportCheckpoint> = {
  type: 'export',
  // A step reads the partition the export was started in: its instances, its container.
  step: async (operation) => {
    const partition = await findPartition(operation.checkpoint.partition ?? DEFAULT_PARTITION.name);
    if (!partition) return terminal(operation.checkpoint, '', 'The data partition of the export does not exist.');
    return runInPartition(partition, () => exportStep(operation));
  },
  finish: async (operation) => {
    const partition = await findPartition(operation.checkpoint.partition ?? DEFAULT_PARTITION.name);
    if (partition) await runInPartition(partition, () => deleteExportSpecification(operation.checkpoint.specification));
  },
};

async function exportStep(operation: OperationState<ExportCheckpoint>): Promise<OperationStepResult<ExportCheckpoint>> {
  let checkpoint = operation.checkpoint;
  const specification = await loadExportSpecification(checkpoint.specification);
  if (!specification) {
    return terminal(checkpoint, '', 'The export specification is missing; start the export again.');
  }
  const destination = destinationContainer(specification.destination);
  const errorLog = errorLogBlob(destination, operation.id);
  if (checkpoint.next === 0 && checkpoint.after === undefined) await errorLog.createIfNotExists();
  const errorHref = errorLog.url.split('?')[0] ?? '';
  let budget = EXPORT_STEP_INSTANCES;
  while (budget > 0 && checkpoint.next < specification.identifiers.length) {
    const identifier = specification.identifiers[checkpoint.next] as DicomIdentifier;
    const batch = await instancesAfter(identifier, checkpoint.after, budget);
    if (batch.length === 0) {
      let skipped = checkpoint.skipped;
      if (checkpoint.after === undefined) {
        await appendExportErrors(errorLog, [entry(identifier, `The specified ${identifier.level} cannot be found.`)]);
        skipped += 1;
      }
      checkpoint = { ...checkpoint, next: checkpoint.next + 1, after: undefined, skipped };
      continue;
    }
    const outcomes = await mapConcurrently(batch, EXPORT_CONCURRENCY, (instance) =>
      copyInstance(identifier, instance, destination, operation.id),
    );
    const failed = outcomes.find(
      (outcome): outcome is { failed: string } => typeof outcome === 'object' && 'failed' in outcome,
    );
    if (failed) return terminal(checkpoint, errorHref, failed.failed);
    const errors = outcomes.flatMap((outcome, index) =>
      typeof outcome === 'object' && 'skipped' in outcome
        ? [entry(keyScope(identifier, batch[index]), outcome.skipped)]
        : [],
    );
    if (errors.length > 0) await appendExportErrors(errorLog, errors);
    const exhausted = batch.length < budget;
    checkpoint = {
      ...checkpoint,
      next: exhausted ? checkpoint.next + 1 : checkpoint.next,
      after: exhausted ? undefined : batch[batch.length - 1]?.rowKey,
      exported: checkpoint.exported + outcomes.filter((outcome) => outcome === 'exported').length,
      skipped: checkpoint.skipped + errors.length,
    };
    budget -= batch.length;
  }
  const done = checkpoint.next >= specification.identifiers.length;
  const results: ExportResults = { exported: checkpoint.exported, skipped: checkpoint.skipped, errorHref };
  return {
    checkpoint,
    percentComplete: Math.floor((100 * checkpoint.next) / specification.identifiers.length),
    done,
    results,
  };
}

/** Up to `max` visible instances of the identifier whose RowKey sorts after `after`. */
async function instancesAfter(
  identifier: DicomIdentifier,
  after: string | undefined,
  max: number,
): Promise<VisibleInstance[]> {
  const batch: VisibleInstance[] = [];
  for await (const instance of listVisibleInstances(identifier, [])) {
    if (after !== undefined && instance.rowKey <= after) continue;
    batch.push(instance);
    if (batch.length >= max) break;
  }
  return batch;
}

async function copyInstance(
  identifier: DicomIdentifier,
  instance: VisibleInstance,
  destination: ContainerClient,
  operationId: string,
): Promise<CopyOutcome> {
  const key = {
    studyInstanceUid: identifier.studyInstanceUid,
    seriesInstanceUid: instance.SeriesInstanceUID,
    sopInstanceUid: instance.SOPInstanceUID,
  };
  let download;
  try {
    download = await blobContainer().getBlockBlobClient(fileBlobName(key, instance.Version)).download();
  } catch (error) {
    // Deleted between the listing and the read: as Azure, a skipped instance with a logged reason.
    if (isStorageStatus(error, 404)) return { skipped: 'The specified instance cannot be found.' };
    throw error;
  }
  const source = download.readableStreamBody as Readable | undefined;
  if (!source) return { skipped: 'The stored file could not be read.' };
  const target = destination.getBlockBlobClient(
    `${operationId}/results/${key.studyInstanceUid}/${key.seriesInstanceUid}/${key.sopInstanceUid}.dcm`,
  );
  const headers = { blobHTTPHeaders: { blobContentType: 'application/dicom' } };
  try {
    const size = download.contentLength ?? Infinity;
    // A small file goes up in one Put Blob (one billed call instead of a block and a commit).
    if (size <= SINGLE_PUT_BYTES) {
      const bytes = await collect(source, SINGLE_PUT_BYTES);
      await target.upload(bytes, bytes.length, headers);
    } else {
      await target.uploadStream(source, COPY_BLOCK_BYTES, COPY_BUFFERS, headers);
    }
  } catch (error) {
    const status = storageStatus(error);
    // The destination refused (permissions, a policy, a full account): retrying will not help.
    if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
      return { failed: `The destination refused ${target.name} with status ${status}.` };
    }
    throw error;
  }
  return 'exported';
}

function keyScope(identifier: DicomIdentifier, instance: VisibleInstance | undefined): DicomIdentifier {
  if (!instance) return identifier;
  return {
    level: 'instance',
    studyInstanceUid: identifier.studyInstanceUid,
    seriesInstanceUid: instance.SeriesInstanceUID,
    sopInstanceUid: instance.SOPInstanceUID,
  };
}

function entry(identifier: DicomIdentifier, error: string): ExportErrorEntry {
  return { timestamp: new Date().toISOString(), identifier: formatDicomIdentifier(identifier), error };
}

function terminal(
  checkpoint: ExportCheckpoint,
  errorHref: string,
  failure: string,
): OperationStepResult<ExportCheckpoint> {
  const results: ExportResults = { exported: checkpoint.exported, skipped: checkpoint.skipped, errorHref };
  return { checkpoint, percentComplete: 100, done: true, failure, results };
}

/** The stream's bytes; it was announced at most `max` long, and is cut off there if it lies. */
async function collect(source: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > max) throw new Error(`The stored file is longer than its announced ${max} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
