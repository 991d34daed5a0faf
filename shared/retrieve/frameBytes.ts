/** The bytes of one frame from a Blob range read spanning it. */
import type { ByteRange } from '../dicom/frameIndex';
import { openBlob, type OpenedBlob } from './blobReads';

/** The first to the last byte of a frame: one range request, even for a frame of several fragments. */
export function openFrame(blobName: string, ranges: readonly ByteRange[]): OpenedBlob {
  const start = ranges[0]?.offset ?? 0;
  const last = ranges[ranges.length - 1];
  const end = last ? last.offset + last.length : start;
  return openBlob(blobName, start, Math.max(end - start, 0));
}

/**
 * Keeps only the bytes inside `ranges` (fragment values) of a stream that starts at the first
 * range's offset, dropping the 8-byte item headers between fragments.
 */
export async function* frameValueBytes(
  chunks: AsyncIterable<Buffer>,
  ranges: readonly ByteRange[],
): AsyncGenerator<Buffer> {
  if (ranges.length === 1) {
    yield* chunks;
    return;
  }
  let position = ranges[0]?.offset ?? 0;
  let index = 0;
  for await (const chunk of chunks) {
    let at = 0;
    while (at < chunk.length) {
      const range = ranges[index];
      if (!range) return;
      const chunkStart = position + at;
      if (chunkStart < range.offset) {
        at += Math.min(range.offset - chunkStart, chunk.length - at);
        continue;
      }
      const take = Math.min(range.offset + range.length - chunkStart, chunk.length - at);
      if (take > 0) yield chunk.subarray(at, at + take);
      at += take;
      if (position + at >= range.offset + range.length) index += 1;
    }
    position += chunk.length;
  }
}

/** Byte-swaps a stream in units of 2, 4 or 8 bytes, carrying a split unit into the next chunk. */
export async function* swapBytes(chunks: AsyncIterable<Buffer>, unit: 2 | 4 | 8): AsyncGenerator<Buffer> {
  let carry = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const data = Buffer.concat([carry, chunk]);
    const whole = data.length - (data.length % unit);
    const swapped = data.subarray(0, whole);
    if (unit === 2) swapped.swap16();
    else if (unit === 4) swapped.swap32();
    else swapped.swap64();
    carry = Buffer.from(data.subarray(whole));
    if (whole > 0) yield swapped;
  }
  if (carry.length > 0) yield carry;
}
