import { mapConcurrently } from '../changefeed/mapConcurrently';
import { getConfig } from '../config';
import { runInPartition } from '../partitions/partitionContext';
import type { InstanceOutcome } from '../store/stowOutcome';
import { storeInstances } from '../store/storeService';
import { BlobClaim } from './blobClaim';
import { importBody } from './importBody';
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

/** Lease and delete calls of one batch in flight at once. */
const CALL_CONCURRENCY = 8;

interface Claimed {
  readonly file: ListedFile;
  readonly claim: BlobClaim;
}

/**
 * Imports files of the import container that share a data partition (one large file, or a batch
 * of small ones): claims each (a blob lease, renewed while it streams), stores them through the
 * STOW pipeline in one call (one part per file, so that they commit together) inside their
 * partition, then deletes each, or moves it to the error container with the reason. A crash at any
 * point leaves the files in the import container for a later run: the store pipeline's own
 * recovery settles a half-stored instance, and a re-import of one that was stored answers 45070,
 * which counts as done.
 */
export async function importBatch(
  storage: ImportStorage,
  files: readonly ListedFile[],
  log: (message: string) => void,
): Promise<FileResult[]> {
  const claims = await mapConcurrently(files, CALL_CONCURRENCY, (file) =>
    BlobClaim.acquire(storage.imports.getBlobClient(file.name), file.etag).catch(() => undefined),
  );
  const claimed: Claimed[] = [];
  const results: FileResult[] = [];
  files.forEach((file, i) => {
    const claim = claims[i];
    if (claim) claimed.push({ file, claim });
    else results.push('skipped');
  });
  if (claimed.length === 0) return results;
  let outcomes: ImportOutcome[];
  let partitionName = '';
  try {
    const target = await importTarget(claimed[0]?.file.name ?? '');
    if ('invalid' in target) {
      outcomes = claimed.map(() => ({ kind: 'rejected', failureReason: undefined, reason: target.invalid }));
    } else {
      partitionName = target.partition.name;
      outcomes = await runInPartition(target.partition, () => store(storage, claimed, log));
    }
  } catch (error) {
    // Storage trouble: the files stay for a later run.
    log(`Import of ${claimed.length} file(s) failed, will retry: ${String(error)}`);
    await Promise.all(claimed.map(({ claim }) => claim.release()));
    return [...results, ...claimed.map((): FileResult => 'retry')];
  }
  const settled = await mapConcurrently([...claimed.entries()], CALL_CONCURRENCY, ([i, { file, claim }]) =>
    settle(storage, file, claim, outcomes[i], partitionName, log),
  );
  return [...results, ...settled];
}

async function settle(
  storage: ImportStorage,
  file: ListedFile,
  claim: BlobClaim,
  outcome: ImportOutcome | undefined,
  partition: string,
  log: (message: string) => void,
): Promise<FileResult> {
  const blob = storage.imports.getBlobClient(file.name);
  try {
    if (claim.lostError !== undefined || !outcome) {
      // Another run may have the file now: leave it; a re-import of a stored instance is a 45070.
      log(`Import of ${file.name}: lease lost (${claim.lostError ?? 'no outcome'}); left for a later run`);
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
          partition,
          failureReason: outcome.failureReason,
          reason: outcome.reason,
        });
        return 'failed';
    }
  } catch (error) {
    log(`Import of ${file.name} could not be settled, will retry: ${String(error)}`);
    await claim.release();
    return 'retry';
  }
}

/** The files' outcomes in order, from one call of the STOW pipeline. */
async function store(
  storage: ImportStorage,
  claimed: readonly Claimed[],
  log: (message: string) => void,
): Promise<ImportOutcome[]> {
  const files = claimed.map((c) => c.file);
  const body = importBody(storage.imports, files);
  let outcomes: readonly InstanceOutcome[] = [];
  try {
    await storeInstances({
      body: body.body,
      contentType: body.contentType,
      contentLength: null,
      accept: null,
      apiVersion: 'v2',
      versionBaseUrl: `${getConfig().store.publicBaseUrl ?? 'http://localhost'}/v2`,
      studyInstanceUid: undefined,
      log,
      // The host's request limit does not apply: nothing of the files goes through HTTP.
      maxBytes: Number.MAX_SAFE_INTEGER,
      onOutcomes: (found) => (outcomes = found),
    });
  } finally {
    // A file refused early (not DICOM) is not read to its end: STOW drains a request body, we need not.
    body.destroy();
  }
  // One outcome per part; a single empty body is STOW's 204 (no outcome).
  if (files.length > 1 && outcomes.length !== files.length) {
    throw new Error(`${outcomes.length} outcomes for ${files.length} files`);
  }
  return files.map((_, i) => importOutcome(outcomes[i]));
}
