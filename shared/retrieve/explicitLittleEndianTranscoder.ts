/**
 * Converts a Part 10 file in Implicit VR Little Endian or Explicit VR Big Endian to Explicit VR
 * Little Endian as it streams (PS3.5 7.1 and 7.3), without decoding pixels: element headers are
 * rewritten, values of multi-byte binary VRs are byte-swapped from big endian, and the File Meta
 * Information gets the new TransferSyntaxUID and a recomputed group length.
 *
 * Header sizes differ between the syntaxes (implicit headers are 8 bytes, explicit long-VR
 * headers 12), so defined lengths of sequences and items would change; every sequence and item is
 * therefore written with undefined length and closed with delimitation items. That keeps the
 * conversion single-pass: nothing but the current header and a few carried bytes is held.
 */
import { lookupTag } from '../dicom/dictionary';
import { DicomParseError } from '../dicom/dicomParseError';
import { TransferSyntax } from '../dicom/transferSyntax';
import { LONG_LENGTH_VRS } from '../dicom/vr';
import { longHeader, shortHeader } from './explicitLittleEndianHeaders';
import { FileMetaRewriter } from './fileMetaRewrite';

const UNDEFINED_LENGTH = 0xffffffff;
const ITEM_GROUP = 0xfffe;
const ITEM = 0xe000;
const ITEM_DELIMITATION = 0xe00d;
const SEQUENCE_DELIMITATION = 0xe0dd;
const PIXEL_DATA_GROUP = 0x7fe0;
const PIXEL_DATA_ELEMENT = 0x0010;

/** Bytes per swapped unit of the binary VRs; AT is two 16-bit numbers. Everything else is bytes or text. */
const SWAP_UNIT: Readonly<Record<string, 2 | 4 | 8>> = {
  US: 2,
  SS: 2,
  OW: 2,
  AT: 2,
  UL: 4,
  SL: 4,
  FL: 4,
  OL: 4,
  OF: 4,
  FD: 8,
  OD: 8,
  SV: 8,
  UV: 8,
  OV: 8,
};

export type TranscodableSyntax =
  typeof TransferSyntax.ImplicitVRLittleEndian | typeof TransferSyntax.ExplicitVRBigEndian;

export function isTranscodableToExplicitLittleEndian(uid: string): uid is TranscodableSyntax {
  return uid === TransferSyntax.ImplicitVRLittleEndian || uid === TransferSyntax.ExplicitVRBigEndian;
}

interface Container {
  readonly kind: 'sequence' | 'item' | 'fragments';
  /** Input offset where a defined-length container ends; undefined for undefined length. */
  readonly end: number | undefined;
}

interface ValueCopy {
  remaining: number;
  readonly swapUnit: 1 | 2 | 4 | 8;
  /** Dropped values (dataset group lengths, which the new headers would make wrong) are skipped. */
  readonly drop: boolean;
}

export class ExplicitLittleEndianTranscoder {
  private readonly explicitVr: boolean;
  private readonly littleEndian: boolean;
  private phase: 'head' | 'dataset' = 'head';
  /** Holds the head until all of it is here (then unused): linear in its size, capped. */
  readonly head: FileMetaRewriter;
  private pending: Buffer = Buffer.alloc(0);
  /** Input offset of pending[0]. */
  private position = 0;
  private value: ValueCopy | undefined;
  private carry: Buffer = Buffer.alloc(0);
  private readonly containers: Container[] = [];
  private out: Buffer[] = [];

  /** `maxHeadBytes` caps the File Meta group held before the dataset starts (DICOM_MAX_HEADER_BYTES). */
  constructor(sourceSyntax: TranscodableSyntax, maxHeadBytes: number) {
    this.head = new FileMetaRewriter(maxHeadBytes);
    this.explicitVr = sourceSyntax === TransferSyntax.ExplicitVRBigEndian;
    this.littleEndian = sourceSyntax === TransferSyntax.ImplicitVRLittleEndian;
  }

  /** Feeds the next input bytes; returns the output they complete. */
  write(chunk: Buffer): Buffer[] {
    if (this.phase === 'head') {
      this.readHead(chunk);
    } else {
      // Outside the head, pending holds at most part of one element header.
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    }
    if (this.phase === 'dataset') this.readDataset();
    return this.take();
  }

  /** Ends the input; throws if it stopped inside an element. */
  end(): Buffer[] {
    this.closeEndedContainers();
    if (this.phase !== 'dataset' || this.pending.length > 0 || this.value) {
      throw new DicomParseError('The stored file ends inside an element; it cannot be transcoded.');
    }
    // Undefined-length containers left open by a truncated file are closed, so the output parses.
    while (this.containers.length > 0) this.closeContainer();
    return this.take();
  }

  private take(): Buffer[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Preamble, DICM and the File Meta group (always explicit little endian): waits until all of it is here. */
  private readHead(chunk: Buffer): void {
    const head = this.head.push(chunk);
    if (!head) return;
    this.out.push(...head.out);
    this.pending = head.rest;
    this.position = head.consumed;
    this.phase = 'dataset';
  }

  private readDataset(): void {
    for (;;) {
      if (this.value) {
        if (!this.copyValue()) return;
        continue;
      }
      this.closeEndedContainers();
      if (!this.readElementHeader()) return;
    }
  }

  /** Copies (or swaps, or drops) value bytes; true once the value is complete. */
  private copyValue(): boolean {
    const value = this.value;
    if (!value) return true;
    const n = Math.min(value.remaining, this.pending.length);
    const bytes = this.pending.subarray(0, n);
    this.consume(n);
    value.remaining -= n;
    if (!value.drop) {
      if (value.swapUnit === 1) this.out.push(bytes);
      else this.pushSwapped(bytes, value.swapUnit, value.remaining === 0);
    }
    if (value.remaining > 0) return false;
    this.value = undefined;
    return true;
  }

  private pushSwapped(bytes: Buffer, unit: 2 | 4 | 8, last: boolean): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, bytes]) : Buffer.from(bytes);
    const whole = data.length - (data.length % unit);
    const swapped = data.subarray(0, whole);
    if (unit === 2) swapped.swap16();
    else if (unit === 4) swapped.swap32();
    else swapped.swap64();
    this.out.push(swapped);
    // An odd-sized value cannot be swapped whole; its last bytes go out as they are.
    this.carry = last ? Buffer.alloc(0) : Buffer.from(data.subarray(whole));
    if (last && whole < data.length) this.out.push(data.subarray(whole));
  }

  private consume(n: number): void {
    this.pending = this.pending.subarray(n);
    this.position += n;
  }

  private closeEndedContainers(): void {
    for (;;) {
      const top = this.containers[this.containers.length - 1];
      if (!top || top.end === undefined || top.end > this.position) return;
      this.closeContainer();
    }
  }

  private closeContainer(): void {
    const top = this.containers.pop();
    if (!top) return;
    this.out.push(itemHeader(top.kind === 'item' ? ITEM_DELIMITATION : SEQUENCE_DELIMITATION, 0));
  }

  private readUInt16(offset: number): number {
    return this.littleEndian ? this.pending.readUInt16LE(offset) : this.pending.readUInt16BE(offset);
  }

  private readUInt32(offset: number): number {
    return this.littleEndian ? this.pending.readUInt32LE(offset) : this.pending.readUInt32BE(offset);
  }

  /** Reads one header if it is all here and writes its Explicit VR LE form; false when more input is needed. */
  private readElementHeader(): boolean {
    const buf = this.pending;
    if (buf.length < 8) return false;
    const group = this.readUInt16(0);
    const element = this.readUInt16(2);
    if (group === ITEM_GROUP) {
      this.readItemHeader(element, this.readUInt32(4));
      return true;
    }
    let vr: string;
    let length: number;
    let headerLength: number;
    if (this.explicitVr) {
      vr = buf.toString('latin1', 4, 6);
      if (LONG_LENGTH_VRS.has(vr)) {
        if (buf.length < 12) return false;
        length = this.readUInt32(8);
        headerLength = 12;
      } else {
        length = this.readUInt16(6);
        headerLength = 8;
      }
    } else {
      length = this.readUInt32(4);
      headerLength = 8;
      vr = implicitVr(group, element, length);
    }
    this.consume(headerLength);
    const inFragments = this.containers[this.containers.length - 1]?.kind === 'fragments';
    if (inFragments) throw new DicomParseError('Encapsulated Pixel Data holds something other than items.');
    if (length === UNDEFINED_LENGTH) {
      if (group === PIXEL_DATA_GROUP && element === PIXEL_DATA_ELEMENT) {
        this.out.push(longHeader(group, element, 'OB', UNDEFINED_LENGTH));
        this.containers.push({ kind: 'fragments', end: undefined });
        return true;
      }
      if (vr !== 'SQ') {
        throw new DicomParseError(`Element ${tagText(group, element)} (${vr}) has an undefined length.`);
      }
    }
    if (vr === 'SQ') {
      this.out.push(longHeader(group, element, 'SQ', UNDEFINED_LENGTH));
      this.containers.push({
        kind: 'sequence',
        end: length === UNDEFINED_LENGTH ? undefined : this.position + length,
      });
      return true;
    }
    // Group lengths would be wrong after the headers change size; they are retired (PS3.5 7.2).
    const drop = element === 0;
    if (!drop) {
      const outVr = !LONG_LENGTH_VRS.has(vr) && length > 0xffff ? 'UN' : vr;
      this.out.push(
        LONG_LENGTH_VRS.has(outVr)
          ? longHeader(group, element, outVr, length)
          : shortHeader(group, element, outVr, length),
      );
    }
    const swapUnit = this.littleEndian ? 1 : (SWAP_UNIT[vr] ?? 1);
    this.value = { remaining: length, swapUnit, drop };
    return true;
  }

  private readItemHeader(element: number, length: number): void {
    this.consume(8);
    const top = this.containers[this.containers.length - 1];
    if (element === ITEM) {
      if (top?.kind === 'fragments') {
        // A fragment: bytes that keep their length (never swapped: encapsulated data is a byte stream).
        this.out.push(itemHeader(ITEM, length));
        this.value = { remaining: length, swapUnit: 1, drop: false };
        return;
      }
      this.out.push(itemHeader(ITEM, UNDEFINED_LENGTH));
      this.containers.push({ kind: 'item', end: length === UNDEFINED_LENGTH ? undefined : this.position + length });
      return;
    }
    if (element === ITEM_DELIMITATION && top?.kind === 'item') {
      this.closeContainer();
      return;
    }
    if (element === SEQUENCE_DELIMITATION && (top?.kind === 'sequence' || top?.kind === 'fragments')) {
      this.closeContainer();
      return;
    }
    throw new DicomParseError(`Unexpected delimiter ${tagText(ITEM_GROUP, element)} in the stored file.`);
  }
}

/** The VR an implicit-VR element is written with: the dictionary's, resolved where it lists several. */
function implicitVr(group: number, element: number, length: number): string {
  if (element === 0) return 'UL';
  // Private creator elements (PS3.5 7.8.1).
  if (group % 2 === 1 && element >= 0x10 && element <= 0xff) return 'LO';
  const entry = group % 2 === 1 ? undefined : lookupTag(tagText(group, element));
  // PS3.5 6.2.2: an unknown element of undefined length is a sequence in implicit VR.
  if (!entry) return length === UNDEFINED_LENGTH ? 'SQ' : 'UN';
  const choices = entry.vr.split(/\s*or\s*/);
  // 'OB or OW' and 'US or OW' (Pixel Data, LUT data): implicit VR little endian uses OW (PS3.5 A.1).
  if (choices.includes('OW')) return 'OW';
  return choices[0] ?? 'UN';
}

function tagText(group: number, element: number): string {
  return (group.toString(16).padStart(4, '0') + element.toString(16).padStart(4, '0')).toUpperCase();
}

function itemHeader(element: number, length: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(ITEM_GROUP, 0);
  header.writeUInt16LE(element, 2);
  header.writeUInt32LE(length, 4);
  return header;
}

/** Transcodes a byte stream; the stream's failures and the transcoder's both reach the consumer. */
export async function* transcodeToExplicitLittleEndian(
  source: AsyncIterable<Buffer>,
  sourceSyntax: TranscodableSyntax,
  maxHeadBytes: number,
): AsyncGenerator<Buffer> {
  const transcoder = new ExplicitLittleEndianTranscoder(sourceSyntax, maxHeadBytes);
  for await (const chunk of source) {
    const out = transcoder.write(chunk);
    if (out.length > 0) yield Buffer.concat(out);
  }
  const rest = transcoder.end();
  if (rest.length > 0) yield Buffer.concat(rest);
}
