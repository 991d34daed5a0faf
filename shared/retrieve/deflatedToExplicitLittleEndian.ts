/**
 * Deflated Explicit VR Little Endian (PS3.5 A.5) to Explicit VR Little Endian, streamed: after the
 * File Meta group the file is a raw deflate stream of an Explicit VR LE dataset, so inflating it
 * and rewriting the File Meta group is the whole conversion.
 */
import { pipeline, Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { DicomParseError } from '../dicom/dicomParseError';
import { FileMetaRewriter, type RewrittenHead } from './fileMetaRewrite';

/** `maxHeadBytes` caps the File Meta group held before the dataset starts (DICOM_MAX_HEADER_BYTES). */
export async function* inflateToExplicitLittleEndian(
  source: AsyncIterable<Buffer>,
  maxHeadBytes: number,
): AsyncGenerator<Buffer> {
  const input = source[Symbol.asyncIterator]();
  try {
    const rewriter = new FileMetaRewriter(maxHeadBytes);
    let head: RewrittenHead | undefined;
    while (!head) {
      const next = await input.next();
      if (next.done) throw new DicomParseError('The stored file ends inside its File Meta Information.');
      head = rewriter.push(next.value);
    }
    yield Buffer.concat(head.out);
    const { rest } = head;
    async function* deflated(): AsyncGenerator<Buffer> {
      if (rest.length > 0) yield rest;
      for (let next = await input.next(); !next.done; next = await input.next()) yield next.value;
    }
    // pipeline ties the two together: an inflate error or an early stop destroys both.
    const inflated = pipeline(Readable.from(deflated()), createInflateRaw(), () => undefined);
    for await (const chunk of inflated as AsyncIterable<Buffer>) yield chunk;
  } finally {
    // Stops the blob download when the consumer stopped early (client gone).
    await input.return?.();
  }
}
