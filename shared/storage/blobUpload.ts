import { Readable } from 'node:stream';
import { blobContainer } from './clients';
import { isStorageStatus } from './storageErrors';

/** Files up to this size go up in one PUT; larger ones are staged in blocks of this size. */
const SINGLE_PUT_BYTES = 4 * 1024 * 1024;
const BLOCK_CONCURRENCY = 4;

/**
 * Uploads a stream to a block blob with bounded memory: at most one block buffered for small
 * files, about (BLOCK_CONCURRENCY + 1) blocks for large ones. Returns the byte count.
 */
export async function uploadStreamToBlob(
  blobName: string,
  source: AsyncIterable<Buffer>,
  contentType: string,
  abortSignal?: AbortSignal,
): Promise<number> {
  const blob = blobContainer().getBlockBlobClient(blobName);
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < SINGLE_PUT_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      // The chunks as they are, not copied into one buffer: a factory, so that a retry sends them again.
      const chunks = head.slice();
      await blob.upload(() => Readable.from(chunks), headBytes, {
        blobHTTPHeaders: { blobContentType: contentType },
        abortSignal,
      });
      return headBytes;
    }
    head.push(next.value);
    headBytes += next.value.length;
  }
  let total = 0;
  async function* all(): AsyncGenerator<Buffer> {
    for (const chunk of head) {
      total += chunk.length;
      yield chunk;
    }
    head.length = 0;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      total += next.value.length;
      yield next.value;
    }
  }
  await blob.uploadStream(Readable.from(all()), SINGLE_PUT_BYTES, BLOCK_CONCURRENCY, {
    blobHTTPHeaders: { blobContentType: contentType },
    abortSignal,
  });
  return total;
}

export async function uploadTextBlob(blobName: string, text: string, contentType: string): Promise<void> {
  const body = Buffer.from(text, 'utf8');
  await blobContainer()
    .getBlockBlobClient(blobName)
    .upload(body, body.length, { blobHTTPHeaders: { blobContentType: contentType } });
}

/**
 * Deletes every blob under a prefix (one stored version, an instance, a study), a listing page
 * at a time with the page's deletes in parallel. A missing container has nothing to delete.
 */
export async function deleteBlobsWithPrefix(prefix: string): Promise<number> {
  const container = blobContainer();
  let deleted = 0;
  try {
    for await (const page of container.listBlobsFlat({ prefix }).byPage({ maxPageSize: 100 })) {
      const names = page.segment.blobItems.map((item) => item.name);
      await Promise.all(
        names.map((name) =>
          container.deleteBlob(name, { deleteSnapshots: 'include' }).catch((error: unknown) => {
            if (!isStorageStatus(error, 404)) throw error;
          }),
        ),
      );
      deleted += names.length;
    }
  } catch (error) {
    if (isStorageStatus(error, 404)) return deleted;
    throw error;
  }
  return deleted;
}
