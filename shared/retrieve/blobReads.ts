/** Blob reads for retrieve: streamed, ranged, started early, cancellable. */
import { blobContainer } from '../storage/clients';
import { asServiceUnavailable, isStorageStatus } from '../storage/storageErrors';

export interface OpenedBlob {
  /** The bytes, as they arrive; stopping early aborts the download. */
  chunks(): AsyncGenerator<Buffer>;
  /** Aborts a download that will not be read (the client went away before its turn). */
  cancel(): void;
}

/**
 * Starts downloading `count` bytes from `offset` of a blob (the whole blob when both are absent)
 * at once, so the round trip overlaps whatever the caller sends meanwhile; the body is read only
 * as fast as the consumer takes it (the socket applies backpressure).
 */
export function openBlob(name: string, offset = 0, count?: number): OpenedBlob {
  const abort = new AbortController();
  const response = blobContainer()
    .getBlockBlobClient(name)
    .download(offset, count, { abortSignal: abort.signal })
    .then((response) => {
      // Aborting a body nobody reads (a prefetched part whose client left) makes it emit 'error':
      // without a listener that would crash the worker. A reader still sees errors through its iterator.
      response.readableStreamBody?.on('error', () => undefined);
      return response;
    })
    .catch((error: unknown) => {
      throw asServiceUnavailable(error, 'reading a stored file');
    });
  // The failure is reported to whoever reads the chunks; a blob never read must not crash the worker.
  response.catch(() => undefined);
  return {
    async *chunks() {
      try {
        const body = (await response).readableStreamBody;
        if (!body) return;
        for await (const chunk of body as AsyncIterable<Buffer>) yield chunk;
      } finally {
        abort.abort();
      }
    },
    cancel: () => abort.abort(),
  };
}

/** Reads one byte range whole: a frame, or one fragment of it. */
export async function readBlobRange(name: string, offset: number, count: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of openBlob(name, offset, count).chunks()) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A small blob's bytes, at most `maxBytes` of them, in one request (downloadToBuffer would first
 * ask for the size: a second billed call). Storage errors are thrown as they are.
 */
export async function downloadBlob(name: string, maxBytes?: number): Promise<Buffer> {
  const response = await blobContainer().getBlockBlobClient(name).download(0, maxBytes);
  const chunks: Buffer[] = [];
  const body = response.readableStreamBody;
  if (body) for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Reads a small blob (a metadata document, a frame index) whole, as text. */
export async function readBlobText(name: string): Promise<string> {
  try {
    return (await downloadBlob(name)).toString('utf8');
  } catch (error) {
    if (isStorageStatus(error, 404)) throw new Error(`The blob ${name} of a visible instance is missing.`);
    throw asServiceUnavailable(error, 'reading a metadata document');
  }
}
