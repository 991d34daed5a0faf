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
  let current: Readable | undefined;
  async function* bytes(): AsyncGenerator<Buffer> {
    for (const file of files) {
      if (!single) yield Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1');
      // Streamed: the SDK resumes a broken download where it stopped; the ETag pins the listed bytes.
      const download = await container
        .getBlobClient(file.name)
        .download(0, undefined, { conditions: { ifMatch: file.etag }, maxRetryRequests: 5 });
      current = download.readableStreamBody as Readable;
      for await (const chunk of current) yield chunk as Buffer;
      if (!single) yield Buffer.from('\r\n', 'latin1');
    }
    if (!single) yield Buffer.from(`--${boundary}--\r\n`, 'latin1');
  }
  const source = Readable.from(bytes(), { objectMode: false });
  return {
    body: Readable.toWeb(source) as WebReadableStream<Uint8Array>,
    contentType: single ? 'application/dicom' : `multipart/related; type="application/dicom"; boundary=${boundary}`,
    destroy: () => {
      current?.destroy();
      source.destroy();
    },
  };
}
