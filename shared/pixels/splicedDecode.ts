/**
 * A compressed grey instance converted to Explicit VR Little Endian by splicing: every byte of
 * the stored file is kept except the Transfer Syntax UID and the Pixel Data element, whose
 * fragments are replaced by the decoded frames. The codec library's own whole-dataset rewrite
 * (dcmjs) is slower and fails on some valid datasets (an OL element, found with the rich
 * fixture); colour images, whose Photometric Interpretation a decoder may change, still take it.
 */
import { getNumber } from '../dicom/dicomJson';
import { frameCountOf, frameRangesOf } from '../dicom/frameRanges';
import { Part10StreamParser } from '../dicom/part10StreamParser';
import { Tag } from '../dicom/tags';
import { FileMetaRewriter } from '../retrieve/fileMetaRewrite';
import { instanceTooLarge, decodedFrameBytes, type ImageGeometry } from './pixelLimits';

/** (7FE0,0010) in little endian, then a VR of OB or OW, two reserved bytes and an undefined length. */
const PIXEL_DATA_TAG = Buffer.from([0xe0, 0x7f, 0x10, 0x00]);
const SEQUENCE_DELIMITER = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
const ITEM_HEADER = 8;

export class SpliceTooLarge extends Error {}

/** Decodes one frame (its fragments joined) to native little endian samples. */
export type FrameDecoder = (header: Buffer, frame: Buffer) => Uint8Array;

/** The converted file, or undefined when this file must take the whole-dataset path. */
export function splicedDecode(file: Buffer, decode: FrameDecoder): Buffer | undefined {
  const parser = new Part10StreamParser();
  parser.write(file);
  const parsed = parser.end();
  const index = parsed.frames;
  if (!index || index.kind !== 'fragments') return undefined;
  const geometry: ImageGeometry = {
    rows: getNumber(parsed.dataset, Tag.Rows) ?? 0,
    columns: getNumber(parsed.dataset, Tag.Columns) ?? 0,
    samplesPerPixel: getNumber(parsed.dataset, Tag.SamplesPerPixel) ?? 1,
    bitsAllocated: getNumber(parsed.dataset, Tag.BitsAllocated) ?? 8,
    frames: frameCountOf(index),
  };
  if (geometry.samplesPerPixel !== 1 || geometry.rows <= 0 || geometry.columns <= 0) return undefined;
  const tooLarge = instanceTooLarge(geometry);
  if (tooLarge) throw new SpliceTooLarge(tooLarge);

  const pixelStart = file.lastIndexOf(PIXEL_DATA_TAG, index.first);
  const vr = pixelStart >= 0 ? file.toString('latin1', pixelStart + 4, pixelStart + 6) : '';
  if ((vr !== 'OB' && vr !== 'OW') || file.readUInt32LE(pixelStart + 8) !== 0xffffffff) return undefined;
  const valuesEnd =
    index.first + index.lengths.reduce((sum, length) => sum + length, 0) + ITEM_HEADER * (index.lengths.length - 1);
  if (!file.subarray(valuesEnd, valuesEnd + ITEM_HEADER).equals(SEQUENCE_DELIMITER)) return undefined;

  const header = file.subarray(0, index.first);
  const frameBytes = decodedFrameBytes(geometry);
  const frames: Uint8Array[] = [];
  for (let frame = 1; frame <= geometry.frames; frame += 1) {
    const ranges = frameRangesOf(index, frame);
    const encoded = Buffer.concat(ranges.map((range) => file.subarray(range.offset, range.offset + range.length)));
    const decoded = decode(header, encoded);
    if (decoded.length !== frameBytes) {
      throw new Error(`Frame ${frame} decoded to ${decoded.length} bytes, not the ${frameBytes} its attributes say.`);
    }
    frames.push(decoded);
  }
  const head = new FileMetaRewriter(file.length).push(file);
  if (!head) return undefined;
  const valueLength = frameBytes * geometry.frames;
  const pad = valueLength % 2;
  const elementHeader = Buffer.alloc(12);
  PIXEL_DATA_TAG.copy(elementHeader, 0);
  elementHeader.write(geometry.bitsAllocated > 8 ? 'OW' : 'OB', 4, 'latin1');
  elementHeader.writeUInt32LE(valueLength + pad, 8);
  return Buffer.concat([
    ...head.out,
    file.subarray(head.consumed, pixelStart),
    elementHeader,
    ...frames,
    Buffer.alloc(pad),
    file.subarray(valuesEnd + ITEM_HEADER),
  ]);
}
