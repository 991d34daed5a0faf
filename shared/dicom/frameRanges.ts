/**
 * Reading a stored frame index: how many frames, and where one frame's bytes are. Accepts the
 * flat format and the per-fragment objects of earlier releases, so their instances stay retrievable.
 */
import { ITEM_HEADER_BYTES, type ByteRange, type StoredFrameIndex } from './frameIndex';

export function frameCountOf(index: StoredFrameIndex): number {
  switch (index.kind) {
    case 'native':
      return index.count;
    case 'fragments':
      return index.frameStarts?.length ?? index.lengths.length;
    case 'encapsulated':
      return index.frames.length;
  }
}

/** The byte ranges of frame `frame` (1-based), empty if there is no such frame. */
export function frameRangesOf(index: StoredFrameIndex, frame: number): readonly ByteRange[] {
  switch (index.kind) {
    case 'native':
      if (frame < 1 || frame > index.count) return [];
      return [{ offset: index.offset + (frame - 1) * index.frameLength, length: index.frameLength }];
    case 'encapsulated':
      return index.frames[frame - 1] ?? [];
    case 'fragments':
      return fragmentRanges(index.first, index.lengths, index.frameStarts, frame);
  }
}

function fragmentRanges(
  first: number,
  lengths: readonly number[],
  frameStarts: readonly number[] | undefined,
  frame: number,
): ByteRange[] {
  const from = frameStarts ? frameStarts[frame - 1] : frame - 1;
  const to = frameStarts ? (frameStarts[frame] ?? lengths.length) : frame;
  if (from === undefined || from < 0 || to > lengths.length || from >= to) return [];
  // A prefix sum to the frame's first fragment: no allocation for the fragments before it.
  let offset = first;
  for (let i = 0; i < from; i++) offset += (lengths[i] ?? 0) + ITEM_HEADER_BYTES;
  const ranges: ByteRange[] = [];
  for (let i = from; i < to; i++) {
    const length = lengths[i] ?? 0;
    ranges.push({ offset, length });
    offset += length + ITEM_HEADER_BYTES;
  }
  return ranges;
}
