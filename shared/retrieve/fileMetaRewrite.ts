/**
 * The preamble, DICM prefix and File Meta Information of a file being converted to Explicit VR
 * Little Endian: the same elements, with the new TransferSyntaxUID and the group length
 * recomputed (PS3.10 7.1). The File Meta group is always Explicit VR Little Endian.
 */
import { DicomParseError } from '../dicom/dicomParseError';
import { TransferSyntax } from '../dicom/transferSyntax';
import { LONG_LENGTH_VRS } from '../dicom/vr';
import { ByteAccumulator } from './byteAccumulator';
import { shortHeader } from './explicitLittleEndianHeaders';

const PREAMBLE_AND_MAGIC = 132;
const FILE_META_GROUP = 0x0002;
const GROUP_LENGTH_ELEMENT = 0x0000;
const TRANSFER_SYNTAX_ELEMENT = 0x0010;

export interface RewrittenHead {
  readonly out: Buffer[];
  /** Input bytes the head took: the dataset starts here. */
  readonly consumed: number;
  /** The input after the head: the dataset's first bytes. */
  readonly rest: Buffer;
}

/** A kept element's input range, or the replacement Transfer Syntax UID element. */
type KeptElement = { readonly start: number; readonly end: number } | Buffer;

/**
 * Reads the head as chunks arrive. Chunks are held only while the head is incomplete (a head
 * inside the first chunk is never copied), in a doubling buffer, and each element header is read
 * once however the input is cut: cost linear in the head's size, which is capped at `maxBytes`.
 */
export class FileMetaRewriter {
  private readonly held = new ByteAccumulator();
  /** Where the next File Meta element header starts. */
  private offset = PREAMBLE_AND_MAGIC;
  private readonly kept: KeptElement[] = [];
  /** Element headers read so far; with bytesCopied, what shows the cost is linear. */
  headersRead = 0;

  constructor(private readonly maxBytes: number) {}

  get bytesCopied(): number {
    return this.held.bytesCopied;
  }

  /** The rewritten head once the input holds all of it and the next element's first bytes; undefined before. */
  push(chunk: Buffer): RewrittenHead | undefined {
    const wasEmpty = this.held.length === 0;
    if (!wasEmpty) this.held.append(chunk);
    const buf = wasEmpty ? chunk : this.held.view();
    const head = this.scan(buf);
    if (head) return head;
    if (buf.length > this.maxBytes) {
      throw new DicomParseError(`The stored file's File Meta Information is larger than ${this.maxBytes} bytes.`);
    }
    if (wasEmpty) this.held.append(chunk);
    return undefined;
  }

  private scan(buf: Buffer): RewrittenHead | undefined {
    if (buf.length < PREAMBLE_AND_MAGIC + 8) return undefined;
    if (buf.toString('latin1', 128, 132) !== 'DICM') throw new DicomParseError('The stored file has no DICM prefix.');
    for (;;) {
      const offset = this.offset;
      // A file may end right after its File Meta group (an empty dataset): wait for the end or the next header.
      if (buf.length < offset + 8) return undefined;
      if (buf.readUInt16LE(offset) !== FILE_META_GROUP) break;
      const element = buf.readUInt16LE(offset + 2);
      const vr = buf.toString('latin1', offset + 4, offset + 6);
      const headerLength = LONG_LENGTH_VRS.has(vr) ? 12 : 8;
      if (buf.length < offset + headerLength) return undefined;
      const length = headerLength === 12 ? buf.readUInt32LE(offset + 8) : buf.readUInt16LE(offset + 6);
      const end = offset + headerLength + length;
      if (end > PREAMBLE_AND_MAGIC + this.maxBytes) {
        throw new DicomParseError(`The stored file's File Meta Information is larger than ${this.maxBytes} bytes.`);
      }
      if (buf.length < end) return undefined;
      this.headersRead += 1;
      if (element === TRANSFER_SYNTAX_ELEMENT) {
        this.kept.push(shortElement(element, 'UI', uidValue(TransferSyntax.ExplicitVRLittleEndian)));
      } else if (element !== GROUP_LENGTH_ELEMENT) {
        this.kept.push({ start: offset, end });
      }
      this.offset = end;
    }
    const elements = this.kept.map((e) => (Buffer.isBuffer(e) ? e : buf.subarray(e.start, e.end)));
    const lengthValue = Buffer.alloc(4);
    lengthValue.writeUInt32LE(elements.reduce((sum, e) => sum + e.length, 0));
    return {
      out: [buf.subarray(0, PREAMBLE_AND_MAGIC), shortElement(GROUP_LENGTH_ELEMENT, 'UL', lengthValue), ...elements],
      consumed: this.offset,
      rest: buf.subarray(this.offset),
    };
  }
}

/** UI values are padded to even length with a NUL (PS3.5 6.2). */
function uidValue(uid: string): Buffer {
  return Buffer.from(uid.length % 2 === 0 ? uid : `${uid}\0`, 'latin1');
}

function shortElement(element: number, vr: string, value: Buffer): Buffer {
  return Buffer.concat([shortHeader(FILE_META_GROUP, element, vr, value.length), value]);
}
