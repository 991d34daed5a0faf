/**
 * An instance converted whole on a pixel worker: compressed pixels decoded to Explicit VR Little
 * Endian, or any pixels encoded as JPEG 2000 lossless. The file
 * is read into memory (at most MAX_TRANSCODED_FILE_BYTES, the Azure DICOM service's limit), as its
 * attributes, offsets and pixel data are all rewritten.
 */
import { NotAcceptableError } from '../errors';
import { MAX_TRANSCODED_FILE_BYTES } from '../pixels/pixelLimits';
import { runPixelTask } from '../pixels/pixelWorkerPool';
import type { OpenedBlob } from './blobReads';

/** 406 before any read for a file above the limit, in the Azure DICOM service's words. */
export function checkTranscodedFileSize(fileSize: number | undefined): void {
  if (fileSize !== undefined && fileSize > MAX_TRANSCODED_FILE_BYTES) throw fileTooLarge();
}

/** The instance converted to `target` (Explicit VR Little Endian or JPEG 2000 lossless). */
export async function decodeInstance(blob: OpenedBlob, target: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of blob.chunks()) {
    total += chunk.length;
    if (total > MAX_TRANSCODED_FILE_BYTES) throw fileTooLarge();
    chunks.push(chunk);
  }
  // One buffer of its own, moved to the worker rather than copied.
  const file = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    file.set(chunk, at);
    at += chunk.length;
  }
  chunks.length = 0;
  const decoded = await runPixelTask({ kind: 'transcodeFile', file, target }, [file.buffer]);
  return Buffer.from(decoded.buffer, decoded.byteOffset, decoded.byteLength);
}

function fileTooLarge(): NotAcceptableError {
  return new NotAcceptableError(
    `Requested DICOM instance size is above the supported limit of ${MAX_TRANSCODED_FILE_BYTES} bytes. ` +
      "The entire instance can be retrieved with the original transfer syntax by specifying 'transfer-syntax=*' in the Accept header.",
  );
}
