import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ContainerClient } from '@azure/storage-blob';
import type { ListedFile } from './importBatch';

/** A request body for the STOW pipeline made of import files, each streamed when its turn comes. */
export interface ImportBody {
  readonly body: WebReadableStream<Uint8Array>;
  readonly contentType: string;
  /** Stops the downloads (a file refused early is not read to its end). */
  destroy(): void;
}

/**
 * One file: its bytes as a single `application/dicom` body. Several: a multipart/related body, one
 * part per file in order, so that their stores commit together as a multipart STOW's do. The
 * boundary is random per body, so no file can contain it by design.
 */
export function importBody(container: ContainerClient, files: readonly ListedFile[]): ImportBody {
  const boundary = `import-${randomBytes(24).toString('hex')}`;
  const single = files.length === 1;
  const open = new Set<Readable>();
  let destroyed = false;
  const download = async (file: ListedFile): Promise<Readable> => {
    // Streamed: the SDK resumes a broken download where it stopped; the ETag pins the listed bytes.
    const response = await container
      .getBlobClient(file.name)
      .download(0, undefined, { conditions: { ifMatch: file.etag }, maxRetryRequests: 5 });
    const stream = response.readableStreamBody as Readable;
    if (destroyed)
      stream.destroy(); // a prefetch that arrived after the store ended
    else open.add(stream);
    return stream;
  };
  async function* bytes(): AsyncGenerator<Buffer> {
    // The next file's download starts while this one streams (its bytes wait, unread): the round
    // trip of each Get Blob is not paid in series. At most two responses are open.
    let next: Promise<Readable> | undefined;
    for (const [i, file] of files.entries()) {
      if (!single) yield Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1');
      const current = await (next ?? download(file));
      const following = files[i + 1];
      next = following ? download(following) : undefined;
      // Its failure is seen when it is awaited; until then it must not count as unhandled.
      next?.catch(() => undefined);
      for await (const chunk of current) yield chunk as Buffer;
      open.delete(current);
      if (!single) yield Buffer.from('\r\n', 'latin1');
    }
    if (!single) yield Buffer.from(`--${boundary}--\r\n`, 'latin1');
  }
  const source = Readable.from(bytes(), { objectMode: false });
  return {
    body: Readable.toWeb(source) as WebReadableStream<Uint8Array>,
    contentType: single ? 'application/dicom' : `multipart/related; type="application/dicom"; boundary=${boundary}`,
    destroy: () => {
      destroyed = true;
      for (const stream of open) stream.destroy();
      source.destroy();
    },
  };
}
