import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { BlobClient } from '@azure/storage-blob';
import { getConfig } from '../config';
import { runInPartition } from '../partitions/partitionContext';
import { storeInstances } from '../store/storeService';
import { BlobClaim } from './blobClaim';
import type { ImportStorage } from './importContainers';
import { moveToErrors } from './importFailures';
import { importOutcome, type ImportOutcome } from './importOutcome';
import { importTarget } from './importPartition';

/** A file of the import container as the run listed it. */
export interface ListedFile {
  readonly name: string;
  readonly etag: string;
  readonly bytes: number;
}

export type FileResult = 'imported' | 'alreadyStored' | 'failed' | 'retry' | 'skipped';

/**
 * Imports one file of the import container: claims it (a blob lease, renewed while it streams),
 * stores it through the STOW pipeline as one `application/dicom` body inside its data partition,
 * then deletes it, or moves it to the error container with the reason. A crash at any point leaves
 * the file in the import container for a later run: the store pipeline's own recovery settles a
 * half-stored instance, and a re-import of one that was stored answers 45070, which counts as done.
 */
export async function importFile(
  storage: ImportStorage,
  file: ListedFile,
  log: (message: string) => void,
): Promise<FileResult> {
  const blob = storage.imports.getBlobClient(file.name);
  const claim = await BlobClaim.acquire(blob, file.etag);
  if (!claim) return 'skipped';
  try {
    const target = await importTarget(file.name);
    if ('invalid' in target) {
      await moveToErrors(storage, blob, claim, {
        file: file.name,
        partition: '',
        failureReason: undefined,
        reason: target.invalid,
      });
      return 'failed';
    }
    const outcome = await runInPartition(target.partition, () => storeFile(blob, file, log));
    if (claim.lostError !== undefined) {
      // Another run may have the file now: leave it; a re-import of a stored instance is a 45070.
      log(`Import of ${file.name}: lease lost (${claim.lostError}); left for a later run`);
      claim.stop();
      return 'retry';
    }
    switch (outcome.kind) {
      case 'stored':
      case 'alreadyStored':
        await blob.deleteIfExists({ conditions: { leaseId: claim.leaseId } });
        claim.stop();
        return outcome.kind === 'stored' ? 'imported' : 'alreadyStored';
      case 'retry':
        log(`Import of ${file.name} will be retried: ${outcome.reason}`);
        await claim.release();
        return 'retry';
      case 'rejected':
        await moveToErrors(storage, blob, claim, {
          file: file.name,
          partition: target.partition.name,
          failureReason: outcome.failureReason,
          reason: outcome.reason,
        });
        return 'failed';
    }
  } catch (error) {
    // Storage trouble (or a crash-like failure): the file stays for a later run.
    log(`Import of ${file.name} failed, will retry: ${String(error)}`);
    await claim.release();
    return 'retry';
  }
}

async function storeFile(blob: BlobClient, file: ListedFile, log: (message: string) => void): Promise<ImportOutcome> {
  // Streamed: the SDK resumes a broken download where it stopped; the ETag pins the listed bytes.
  const download = await blob.download(0, undefined, { conditions: { ifMatch: file.etag }, maxRetryRequests: 5 });
  const source = download.readableStreamBody as Readable;
  const body = Readable.toWeb(source) as WebReadableStream<Uint8Array>;
  try {
    return importOutcome(await storeFileBody(body, file, log));
  } finally {
    // A file refused early (not DICOM) is not read to its end: STOW drains a request body, we need not.
    source.destroy();
  }
}

function storeFileBody(body: WebReadableStream<Uint8Array>, file: ListedFile, log: (message: string) => void) {
  return storeInstances({
    body,
    contentType: 'application/dicom',
    contentLength: String(file.bytes),
    accept: null,
    apiVersion: 'v2',
    versionBaseUrl: `${getConfig().store.publicBaseUrl ?? 'http://localhost'}/v2`,
    studyInstanceUid: undefined,
    log,
    // The host's request limit does not apply: nothing of the file goes through HTTP.
    maxBytes: Number.MAX_SAFE_INTEGER,
  });
}
