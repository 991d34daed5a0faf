import type { Readable } from 'node:stream';
import type { BlobClient } from '@azure/storage-blob';
import type { BlobClaim } from './blobClaim';
import type { ImportStorage } from './importContainers';

/** What the error container's `.error.json` and the error queue's message say about a failed file. */
export interface ImportError {
  /** The blob's name in the import container (and in the error container). */
  readonly file: string;
  readonly partition: string;
  /** The STOW FailureReason when the store pipeline gave one (43264 not DICOM or invalid, …). */
  readonly failureReason: number | undefined;
  readonly reason: string;
  readonly time: string;
}

/** Keeps the blob metadata and the queue message well under their limits (8 KiB, 64 KiB). */
const MAX_REASON_CHARS = 1024;
const COPY_BLOCK_BYTES = 4 * 1024 * 1024;
const COPY_CONCURRENCY = 4;

/**
 * Moves a file that cannot be imported to the error container: its bytes (streamed, so a large
 * truncated file costs bounded memory) with the reason in its metadata, a `{name}.error.json`
 * beside it, a message on the error queue, then its removal from the import container. A crash
 * part-way leaves the file claimed-then-expired in the import container: the next run does it
 * again (the error blobs are overwritten; the queue may get the message twice).
 */
export async function moveToErrors(
  storage: ImportStorage,
  source: BlobClient,
  claim: BlobClaim,
  error: Omit<ImportError, 'time'>,
): Promise<ImportError> {
  const record: ImportError = {
    ...error,
    reason: error.reason.slice(0, MAX_REASON_CHARS),
    time: new Date().toISOString(),
  };
  const download = await source.download(0, undefined, { maxRetryRequests: 5 });
  const copy = storage.errors.getBlockBlobClient(error.file);
  // In Node the download body is an http.IncomingMessage, a Readable.
  const bytes = download.readableStreamBody as Readable;
  await copy.uploadStream(bytes, COPY_BLOCK_BYTES, COPY_CONCURRENCY, {
    blobHTTPHeaders: { blobContentType: download.contentType ?? 'application/octet-stream' },
    // Metadata values must be header-safe ASCII.
    metadata: {
      importerror: encodeURIComponent(record.reason).slice(0, 4096),
      failurereason: String(record.failureReason ?? ''),
      partition: encodeURIComponent(record.partition),
    },
  });
  const json = JSON.stringify(record, null, 2);
  await storage.errors
    .getBlockBlobClient(`${error.file}.error.json`)
    .upload(json, Buffer.byteLength(json), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  await storage.errorQueue.sendMessage(JSON.stringify(record));
  await source.deleteIfExists({ conditions: { leaseId: claim.leaseId } });
  claim.stop();
  return record;
}
