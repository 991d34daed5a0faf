/**
 * Where each frame's bytes are in a stored Part 10 file, so WADO-RS can fetch frames with Blob
 * range reads. Offsets count from the file's first byte (the first preamble byte).
 */
import { getNumber, getString, type DicomJsonDataset } from './dicomJson';
import { Tag } from './tags';

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface NativeFrameIndex {
  readonly kind: 'native';
  /** File offset of the first frame. */
  readonly offset: number;
  readonly frameLength: number;
  readonly count: number;
}

/**
 * Encapsulated frames as flat number arrays: cheap to build, serialise and parse for 100,000
 * fragments (issue 13), where an object per fragment cost tens of milliseconds at each step.
 */
export interface FragmentFrameIndex {
  readonly kind: 'fragments';
  /**
   * File offset of the first fragment's value. Fragments are contiguous: each later value
   * follows the previous value and its own 8-byte item header (PixelDataRecorder checks this).
   */
  readonly first: number;
  /** Each fragment's value length, in order. */
  readonly lengths: readonly number[];
  /** Index of each frame's first fragment; absent when every fragment is one frame. */
  readonly frameStarts?: readonly number[];
}

export type FrameIndex = NativeFrameIndex | FragmentFrameIndex;

/** How releases before the flat format stored encapsulated frames: still read, no longer written. */
export interface LegacyEncapsulatedFrameIndex {
  readonly kind: 'encapsulated';
  /** Per frame, its fragments' values (after each 8-byte item header), in order. */
  readonly frames: ReadonlyArray<ReadonlyArray<ByteRange>>;
}

/** A frame index as read back from storage. */
export type StoredFrameIndex = FrameIndex | LegacyEncapsulatedFrameIndex;

/** The size of an item header (tag and length) before each fragment value (PS3.5 A.4). */
export const ITEM_HEADER_BYTES = 8;

/** Native pixel data: frames of equal size laid end to end (PS3.5 8.1.1). */
export function indexNativeFrames(
  dataset: DicomJsonDataset,
  value: ByteRange,
  warnings: string[],
): FrameIndex | undefined {
  const rows = getNumber(dataset, Tag.Rows);
  const columns = getNumber(dataset, Tag.Columns);
  const bitsAllocated = getNumber(dataset, Tag.BitsAllocated);
  const samples = getNumber(dataset, Tag.SamplesPerPixel) ?? 1;
  const count = numberOfFrames(dataset, warnings);
  if (rows === undefined || columns === undefined || bitsAllocated === undefined) {
    warnings.push('Pixel Data has no Rows, Columns or Bits Allocated: frames are not indexed');
    return undefined;
  }
  if (count === undefined) return undefined;
  // YBR_FULL_422 stores two chroma samples per two pixels: two samples per pixel on average (PS3.3 C.7.6.3.1.2).
  const storedSamples = getString(dataset, Tag.PhotometricInterpretation) === 'YBR_FULL_422' ? 2 : samples;
  const frameBits = rows * columns * storedSamples * bitsAllocated;
  if (frameBits % 8 !== 0) {
    warnings.push('Bit-packed frames do not start on byte boundaries: frames are not indexed');
    return undefined;
  }
  const frameLength = frameBits / 8;
  if (frameLength <= 0) {
    warnings.push('Pixel Data frame size is zero: frames are not indexed');
    return undefined;
  }
  const whole = Math.floor(value.length / frameLength);
  if (whole < count) {
    warnings.push(
      `Pixel Data holds ${value.length} bytes, less than ${count} frames of ${frameLength} bytes: only ${whole} indexed`,
    );
    return { kind: 'native', offset: value.offset, frameLength, count: whole };
  }
  return { kind: 'native', offset: value.offset, frameLength, count };
}

export interface EncapsulatedPixelData {
  readonly basicOffsetTable: readonly number[];
  readonly extendedOffsetTable: readonly number[] | undefined;
  /** File offset of the first fragment's value; the others follow contiguously (see FragmentFrameIndex). */
  readonly firstFragmentOffset: number;
  readonly fragmentLengths: readonly number[];
  /** Each fragment's first two bytes as a big-endian number, or -1 if it is shorter. */
  readonly fragmentFirstBytes: readonly number[];
  /** Two bytes every frame of the transfer syntax starts with (JPEG FFD8, JPEG 2000 FF4F), if any. */
  readonly frameStartMarker: number | undefined;
}

/**
 * Groups fragments into frames (PS3.5 A.4), trusting in turn the Basic Offset Table, the Extended
 * Offset Table, one fragment per frame, one frame in all fragments, and frame start markers.
 */
export function indexEncapsulatedFrames(
  dataset: DicomJsonDataset,
  pixels: EncapsulatedPixelData,
  warnings: string[],
): FrameIndex | undefined {
  const count = numberOfFrames(dataset, warnings);
  const fragmentCount = pixels.fragmentLengths.length;
  if (fragmentCount === 0) {
    warnings.push('Encapsulated Pixel Data has no fragments: frames are not indexed');
    return undefined;
  }
  const starts =
    fromOffsetTable(pixels, pixels.basicOffsetTable, 'Basic', warnings) ??
    fromOffsetTable(pixels, pixels.extendedOffsetTable ?? [], 'Extended', warnings) ??
    fromCount(fragmentCount, count) ??
    fromMarkers(pixels, count);
  if (!starts) {
    warnings.push(
      `Cannot tell which of ${fragmentCount} fragments belong to which of ${count ?? '?'} frames: frames are not indexed`,
    );
    return undefined;
  }
  if (count !== undefined && starts.length !== count) {
    warnings.push(`The offset table lists ${starts.length} frames but Number of Frames is ${count}`);
  }
  const lengths = pixels.fragmentLengths;
  const first = pixels.firstFragmentOffset;
  // Strictly increasing starts from 0, as many as fragments: one fragment per frame.
  if (starts.length === fragmentCount) return { kind: 'fragments', first, lengths };
  return { kind: 'fragments', first, lengths, frameStarts: starts };
}

/**
 * Frame start fragment indexes from an offset table, or undefined if it is empty or does not match.
 * The table must be strictly increasing, so one walk along the fragments matches it.
 */
function fromOffsetTable(
  pixels: EncapsulatedPixelData,
  table: readonly number[],
  name: string,
  warnings: string[],
): number[] | undefined {
  if (table.length === 0) return undefined;
  const lengths = pixels.fragmentLengths;
  const starts: number[] = [];
  // Offsets count from the item header of the first fragment after the Basic Offset Table.
  let index = 0;
  let at = 0;
  for (const offset of table) {
    while (index < lengths.length && at < offset) {
      at += (lengths[index] ?? 0) + ITEM_HEADER_BYTES;
      index += 1;
    }
    const previous = starts[starts.length - 1];
    if (index >= lengths.length || at !== offset || (previous !== undefined && index <= previous)) {
      warnings.push(`The ${name} Offset Table does not match the fragments; it is ignored`);
      return undefined;
    }
    starts.push(index);
  }
  if (starts[0] !== 0) {
    warnings.push(`The ${name} Offset Table does not start at the first fragment; it is ignored`);
    return undefined;
  }
  return starts;
}

function fromCount(fragmentCount: number, frameCount: number | undefined): number[] | undefined {
  if (frameCount === fragmentCount) return Array.from({ length: fragmentCount }, (_, i) => i);
  if (frameCount === 1) return [0];
  return undefined;
}

/** A new frame at each fragment that begins with the syntax's start marker, if that gives the right count. */
function fromMarkers(pixels: EncapsulatedPixelData, count: number | undefined): number[] | undefined {
  const marker = pixels.frameStartMarker;
  if (marker === undefined || count === undefined) return undefined;
  const starts: number[] = [];
  const firstBytes = pixels.fragmentFirstBytes;
  for (let i = 0; i < firstBytes.length; i++) if (firstBytes[i] === marker) starts.push(i);
  return starts.length === count && starts[0] === 0 ? starts : undefined;
}

/** Number of Frames (IS), 1 when absent; undefined (with a warning) when it is not a positive integer. */
function numberOfFrames(dataset: DicomJsonDataset, warnings: string[]): number | undefined {
  if (!dataset[Tag.NumberOfFrames]?.Value?.length) return 1;
  const n = getNumber(dataset, Tag.NumberOfFrames);
  if (n !== undefined && Number.isInteger(n) && n > 0) return n;
  warnings.push('Number of Frames is not a positive integer: frames are not indexed');
  return undefined;
}
