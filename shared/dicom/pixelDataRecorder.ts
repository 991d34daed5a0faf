/**
 * What the parser notes about top-level Pixel Data as it streams past (where the native value
 * is, or each fragment's place and first two bytes, and the offset tables), turned into a
 * FrameIndex once the file has ended.
 */
import type { DicomJsonDataset } from './dicomJson';
import {
  ITEM_HEADER_BYTES,
  indexEncapsulatedFrames,
  indexNativeFrames,
  type ByteRange,
  type FrameIndex,
} from './frameIndex';
import { frameStartMarker, type TransferSyntaxInfo } from './transferSyntax';
import { DicomParseError } from './dicomParseError';

/**
 * Fragments one instance may have (issue 13: an instance of a million tiny fragments once made a
 * 24 MB frame index that every frame request parsed). Far above any real multi-frame image.
 */
export const MAX_FRAGMENTS_PER_INSTANCE = 100_000;

export class PixelDataRecorder {
  private native: ByteRange | undefined;
  private encapsulated = false;
  private basicOffsetTable: number[] | undefined;
  private extendedOffsetTable: number[] | undefined;
  // Flat arrays, not an object per fragment: an instance may have 100,000 of them.
  private firstFragmentOffset = 0;
  private readonly fragmentLengths: number[] = [];
  private readonly fragmentFirstBytes: number[] = [];
  // The fragment streaming past now.
  private fragmentOffset = 0;
  private fragmentLength = 0;
  private firstBytes = 0;
  private firstBytesSeen = 0;

  /** True once some pixel data was recorded: later Pixel Data elements are ignored. */
  get recorded(): boolean {
    return this.native !== undefined || this.encapsulated;
  }

  /** The value of native Pixel Data (or Float/Double Float Pixel Data), by file offset. */
  recordNative(value: ByteRange): void {
    this.native = value;
  }

  recordEncapsulated(): void {
    this.encapsulated = true;
  }

  /** The first item of encapsulated Pixel Data is the Basic Offset Table (PS3.5 A.4). */
  get expectsBasicOffsetTable(): boolean {
    return this.encapsulated && this.basicOffsetTable === undefined;
  }

  setBasicOffsetTable(value: Buffer): void {
    this.basicOffsetTable = readOffsets(value, 4);
  }

  /** Extended Offset Table (7FE0,0001): 64-bit offsets, which precede Pixel Data. */
  setExtendedOffsetTable(value: Buffer): void {
    this.extendedOffsetTable = readOffsets(value, 8);
  }

  /**
   * The frame index stores only the first fragment's offset: each later fragment must follow the
   * previous value and its item header, as the parser reads them (nothing else may sit between).
   */
  startFragment(valueOffset: number, length: number): void {
    const count = this.fragmentLengths.length;
    if (count === 0) this.firstFragmentOffset = valueOffset;
    else if (valueOffset !== this.fragmentOffset + this.fragmentLength + ITEM_HEADER_BYTES) {
      throw new Error(`Internal error: fragment ${count + 1} does not follow the previous fragment`);
    }
    this.fragmentOffset = valueOffset;
    this.fragmentLength = length;
    this.firstBytes = 0;
    this.firstBytesSeen = 0;
  }

  /** True while the current fragment's first two bytes (a frame start marker, perhaps) are unseen. */
  get wantsFirstBytes(): boolean {
    return this.firstBytesSeen < 2 && this.firstBytesSeen < this.fragmentLength;
  }

  firstByte(byte: number): void {
    this.firstBytes = (this.firstBytes << 8) | byte;
    this.firstBytesSeen += 1;
  }

  endFragment(): void {
    if (this.fragmentLengths.length >= MAX_FRAGMENTS_PER_INSTANCE) {
      throw new DicomParseError(`Pixel Data has more than ${MAX_FRAGMENTS_PER_INSTANCE} fragments`);
    }
    this.fragmentLengths.push(this.fragmentLength);
    this.fragmentFirstBytes.push(this.firstBytesSeen === 2 ? this.firstBytes : -1);
  }

  /** The frame index, or undefined (with a warning saying why) when frames cannot be located. */
  index(dataset: DicomJsonDataset, syntax: TransferSyntaxInfo, warnings: string[]): FrameIndex | undefined {
    if (!this.recorded) return undefined;
    if (syntax.deflated) {
      warnings.push('Frames of a deflated file cannot be read by byte range: frames are not indexed');
      return undefined;
    }
    if (this.native) {
      if (syntax.encapsulated) {
        warnings.push('Pixel Data has a defined length in an encapsulated transfer syntax: frames are not indexed');
        return undefined;
      }
      return indexNativeFrames(dataset, this.native, warnings);
    }
    if (!syntax.encapsulated) warnings.push('Pixel Data is encapsulated in a native transfer syntax');
    return indexEncapsulatedFrames(
      dataset,
      {
        basicOffsetTable: this.basicOffsetTable ?? [],
        extendedOffsetTable: this.extendedOffsetTable,
        firstFragmentOffset: this.firstFragmentOffset,
        fragmentLengths: this.fragmentLengths,
        fragmentFirstBytes: this.fragmentFirstBytes,
        frameStartMarker: frameStartMarker(syntax.uid),
      },
      warnings,
    );
  }
}

/** Little-endian offsets of `size` bytes (4 for the Basic, 8 for the Extended Offset Table). */
function readOffsets(bytes: Buffer, size: 4 | 8): number[] {
  const out: number[] = [];
  for (let at = 0; at + size <= bytes.length; at += size) {
    out.push(size === 4 ? bytes.readUInt32LE(at) : Number(bytes.readBigUInt64LE(at)));
  }
  return out;
}
