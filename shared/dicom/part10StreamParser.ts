/**
 * An incremental (push) parser for DICOM Part 10 files (PS3.10 7.1, PS3.5 7).
 *
 * STOW-RS uploads reach 4 GB and pass straight through to Blob Storage, so the parser never holds
 * a file: the caller `write()`s each chunk as it arrives, and the parser keeps only the current
 * element header, non-bulk values (the metadata) and the frame index. Bulk values (OB, OW, UN …,
 * including Pixel Data) are skipped by counting bytes, which is what makes it fast.
 *
 * Deflated files are inflated as they stream (see rawInflater.ts); their frames are not indexed,
 * since offsets inside a deflate stream cannot be range-read.
 */
import { defaultCharset, resolveCharset, type Charset } from './charset';
import { DicomParseError } from './dicomParseError';
import type { DicomJsonDataset, DicomJsonElement, DicomJsonValue } from './dicomJson';
import { lookupTag } from './dictionary';
import type { FrameIndex } from './frameIndex';
import { PixelDataRecorder } from './pixelDataRecorder';
import { RawInflater } from './rawInflater';
import { formatTag } from './tags';
import { describeTransferSyntax, type TransferSyntaxInfo } from './transferSyntax';
import { decodeValue } from './valueDecoder';
import { decodedValueCost } from './valueCost';
import { BULK_VRS, KNOWN_VRS, LONG_LENGTH_VRS } from './vr';
import { isUidGrammar } from './uid';

export type { FrameIndex } from './frameIndex';

export interface ParsedInstance {
  readonly transferSyntaxUid: string;
  readonly fileMeta: DicomJsonDataset;
  /** The top-level dataset without bulk (OB, OD, OF, OL, OV, OW, UN) elements or group lengths. */
  readonly dataset: DicomJsonDataset;
  readonly frames: FrameIndex | undefined;
  /** Problems that did not stop parsing: unparsable IS/DS, frames that could not be indexed, … */
  readonly warnings: string[];
  /** Bytes written, i.e. the size of the file. */
  readonly byteLength: number;
}

export interface Part10StreamParserOptions {
  /** Largest single non-bulk value (and offset table) kept in memory; default 8 MiB. */
  readonly maxValueBytes?: number;
  /**
   * Budget for everything kept in memory: non-bulk values plus a fixed charge per element, item
   * and Pixel Data fragment (so millions of empty elements cannot exhaust memory); default 64 MiB.
   */
  readonly maxMetadataBytes?: number;
  /** Deepest sequence nesting accepted; default 64. */
  readonly maxDepth?: number;
}

interface Syntax {
  readonly explicitVr: boolean;
  readonly littleEndian: boolean;
}

/** PS3.5 6.2.2: the content of a UN element of undefined length is Implicit VR Little Endian. */
const IMPLICIT_LE: Syntax = { explicitVr: false, littleEndian: true };
const EXPLICIT_LE: Syntax = { explicitVr: true, littleEndian: true };

/** A dataset being filled: the top level, or one sequence item. */
interface DatasetFrame {
  readonly kind: 'dataset';
  readonly target: DicomJsonDataset;
  /** Stream offset where a defined-length item ends; undefined for top level and undefined-length items. */
  readonly end: number | undefined;
  /** The nearest end any enclosing container imposes (Infinity when none). */
  readonly limit: number;
  readonly syntax: Syntax;
  charset: Charset;
  /** Inside a UN sequence: structure is followed so it can be skipped, but nothing is kept. */
  readonly discard: boolean;
  readonly topLevel: boolean;
}

interface SequenceFrame {
  readonly kind: 'sequence';
  readonly tag: number;
  readonly element: DicomJsonElement;
  readonly end: number | undefined;
  readonly limit: number;
  readonly syntax: Syntax;
  readonly charset: Charset;
  readonly discard: boolean;
}

type Frame = DatasetFrame | SequenceFrame;

type State =
  | 'preamble'
  | 'meta'
  | 'metaLongLength'
  | 'header'
  | 'longLength'
  | 'value'
  | 'skip'
  | 'fragmentHeader'
  | 'fragmentValue'
  | 'failed';

/** What a collected value is for. */
type ValuePurpose = 'meta' | 'element' | 'basicOffsetTable' | 'offsetTable';

const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITATION = 0xfffee00d;
const SEQUENCE_DELIMITATION = 0xfffee0dd;
const SPECIFIC_CHARACTER_SET = 0x00080005;
const SERIES_INSTANCE_UID = 0x0020000e;
const EXTENDED_OFFSET_TABLE = 0x7fe00001;
const EXTENDED_OFFSET_TABLE_LENGTHS = 0x7fe00002;
const FLOAT_PIXEL_DATA = 0x7fe00008;
const DOUBLE_FLOAT_PIXEL_DATA = 0x7fe00009;
const PIXEL_DATA = 0x7fe00010;
const TRANSFER_SYNTAX_UID = '00020010';
const PREAMBLE_AND_PREFIX = 132;
/** Roughly what one kept element, item or fragment record costs in memory beyond its value. */
const OBJECT_COST = 64;

export class Part10StreamParser {
  private readonly maxValueBytes: number;
  private readonly maxMetadataBytes: number;
  private readonly maxDepth: number;

  private state: State = 'preamble';
  private failure: DicomParseError | undefined;
  private readonly warnings: string[] = [];
  private seen = 0;
  private metadataBytes = 0;
  private complete = false;

  // The buffer being parsed and the stream offset of its first byte. Stream offsets are file
  // offsets, except after a deflated syntax starts, where they count inflated bytes.
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private bufBase = 0;
  /** Bytes of a header that straddles chunks (at most the 132-byte preamble). */
  private readonly scratch = Buffer.alloc(PREAMBLE_AND_PREFIX);
  private scratchLen = 0;
  // Where `take()` left the requested bytes.
  private hb: Buffer = this.scratch;
  private ho = 0;

  // The element being read.
  private tag = 0;
  private vr = '';
  private remaining = 0;
  private purpose: ValuePurpose = 'element';
  private parts: Buffer[] = [];

  // File Meta Information.
  private readonly meta: DicomJsonDataset = {};
  private metaEnd: number | undefined;
  private syntaxInfo: TransferSyntaxInfo | undefined;
  private inflater: RawInflater | undefined;
  /** Deflated bytes read while looking for the end of a File Meta group without a group length. */
  private deflatedPrefix: Buffer | undefined;

  // Dataset. The top frame gets its syntax once the File Meta Information names it.
  private top: DatasetFrame = topLevelFrame({}, EXPLICIT_LE);
  private stack: Frame[] = [];

  // Pixel Data at top level; `trackFragments` while its fragments stream past.
  private readonly pixels = new PixelDataRecorder();
  private trackFragments = false;

  constructor(options: Part10StreamParserOptions = {}) {
    this.maxValueBytes = options.maxValueBytes ?? 8 * 1024 * 1024;
    this.maxMetadataBytes = options.maxMetadataBytes ?? 64 * 1024 * 1024;
    this.maxDepth = options.maxDepth ?? 64;
  }

  /** True once the identifiers (everything up to Series Instance UID) are in `dataset`. */
  get identifiersComplete(): boolean {
    return this.complete;
  }

  /** The top-level elements parsed so far. */
  get dataset(): DicomJsonDataset {
    return this.top.target;
  }

  get bytesSeen(): number {
    return this.seen;
  }

  /** Parses the next chunk. Throws DicomParseError on malformed data (and on every call after that). */
  write(chunk: Buffer): void {
    if (this.failure) throw this.failure;
    this.seen += chunk.length;
    try {
      if (this.inflater) {
        this.feed(this.inflater.push(chunk));
        return;
      }
      const stoppedAt = this.feed(chunk);
      if (this.inflater) this.startInflating(chunk.subarray(stoppedAt));
    } catch (err) {
      throw this.fail(err);
    }
  }

  /** Call after the last chunk. Throws DicomParseError if the file is incomplete. */
  end(): ParsedInstance {
    if (this.failure) throw this.failure;
    try {
      return this.finish();
    } catch (err) {
      throw this.fail(err);
    }
  }

  private fail(err: unknown): unknown {
    if (!(err instanceof DicomParseError)) return err;
    this.failure = err;
    this.state = 'failed';
    return err;
  }

  private finish(): ParsedInstance {
    if (this.state === 'preamble') throw new DicomParseError('Not a DICOM Part 10 file: the data ended before "DICM"');
    if (this.state === 'meta' && this.scratchLen === 0 && (this.metaEnd ?? this.offset) === this.offset) {
      // The file ends with its File Meta Information: an empty dataset.
      this.finishMeta();
    }
    if (this.inflater && !this.inflater.finished) throw new DicomParseError('The deflated dataset ended early');
    this.closeFinishedContainers();
    if (this.state !== 'header' || this.scratchLen !== 0 || this.stack.length > 0 || !this.syntaxInfo) {
      throw new DicomParseError(`The DICOM data ended early (${this.truncationContext()})`);
    }
    this.complete = true;
    return {
      transferSyntaxUid: this.syntaxInfo.uid,
      fileMeta: this.meta,
      dataset: this.top.target,
      frames: this.pixels.index(this.top.target, this.syntaxInfo, this.warnings),
      warnings: this.warnings,
      byteLength: this.seen,
    };
  }

  private truncationContext(): string {
    if (!this.syntaxInfo) return 'in the File Meta Information';
    if (this.state === 'fragmentHeader' || this.state === 'fragmentValue') return 'in encapsulated Pixel Data';
    const open = this.stack.filter((f): f is SequenceFrame => f.kind === 'sequence');
    const innermost = open[open.length - 1];
    if (innermost) return `in sequence ${formatTag(hex8(innermost.tag))}`;
    if (this.state === 'header' || this.state === 'longLength') return 'in an element header';
    return `in the value of ${formatTag(hex8(this.tag))}`;
  }

  // ---- Chunk plumbing -------------------------------------------------------------------------

  private get offset(): number {
    return this.bufBase + this.pos;
  }

  /**
   * Makes `n` bytes available at `hb`/`ho`, straight from the chunk when it holds them, else
   * gathered in `scratch` across chunks. Returns false when the chunk ran out first.
   */
  private take(n: number): boolean {
    const available = this.buf.length - this.pos;
    if (this.scratchLen === 0 && available >= n) {
      this.hb = this.buf;
      this.ho = this.pos;
      this.pos += n;
      return true;
    }
    const k = Math.min(n - this.scratchLen, available);
    this.buf.copy(this.scratch, this.scratchLen, this.pos, this.pos + k);
    this.scratchLen += k;
    this.pos += k;
    if (this.scratchLen < n) return false;
    this.hb = this.scratch;
    this.ho = 0;
    this.scratchLen = 0;
    return true;
  }

  /** Runs the state machine over `buf`. Returns where it stopped: the end, or where deflate starts. */
  private feed(buf: Buffer): number {
    this.buf = buf;
    this.pos = 0;
    for (;;) {
      switch (this.state) {
        case 'skip': {
          // The hot path: bulk data is skipped by arithmetic.
          const n = Math.min(this.remaining, this.buf.length - this.pos);
          this.pos += n;
          this.remaining -= n;
          if (this.remaining > 0) return this.done();
          this.state = this.syntaxInfo ? 'header' : 'meta';
          break;
        }
        case 'header':
          if (!this.readHeader()) return this.done();
          break;
        case 'longLength':
          if (!this.take(4)) return this.done();
          this.onElement(this.tag, this.vr, this.u32(this.hb, this.ho, this.current().syntax.littleEndian));
          break;
        case 'value':
          if (!this.collect()) return this.done();
          break;
        case 'fragmentHeader':
          if (!this.readFragmentHeader()) return this.done();
          break;
        case 'fragmentValue':
          if (!this.skipFragment()) return this.done();
          break;
        case 'preamble':
          if (!this.take(PREAMBLE_AND_PREFIX)) return this.done();
          if (this.hb.toString('latin1', this.ho + 128, this.ho + 132) !== 'DICM') {
            throw new DicomParseError('Not a DICOM Part 10 file: no "DICM" prefix after the 128-byte preamble');
          }
          this.state = 'meta';
          break;
        case 'meta':
          if (!this.readMetaHeader()) return this.done();
          if (this.inflater) return this.doneAt(this.pos);
          break;
        case 'metaLongLength':
          if (!this.take(4)) return this.done();
          this.onMetaElement(this.hb.readUInt32LE(this.ho));
          break;
        case 'failed':
          throw this.failure ?? new DicomParseError('The DICOM data could not be parsed');
      }
    }
  }

  private done(): number {
    return this.doneAt(this.buf.length);
  }

  private doneAt(pos: number): number {
    this.bufBase += pos;
    this.buf = Buffer.alloc(0);
    this.pos = 0;
    return pos;
  }

  private u32(b: Buffer, at: number, le: boolean): number {
    return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
  }

  private current(): Frame {
    return this.stack[this.stack.length - 1] ?? this.top;
  }

  // ---- File Meta Information (always Explicit VR Little Endian) --------------------------------

  private readMetaHeader(): boolean {
    if (this.metaEnd !== undefined && this.offset >= this.metaEnd) {
      if (this.offset > this.metaEnd) {
        throw new DicomParseError('The File Meta Information is longer than its group length (0002,0000) says');
      }
      this.finishMeta();
      return true;
    }
    if (!this.take(8)) return false;
    const group = this.hb.readUInt16LE(this.ho);
    if (group !== 0x0002) {
      if (this.metaEnd !== undefined) {
        throw new DicomParseError('The File Meta Information is shorter than its group length (0002,0000) says');
      }
      // No group length: the first element of another group starts the dataset.
      const header = Buffer.from(this.hb.subarray(this.ho, this.ho + 8));
      this.finishMeta();
      if (this.inflater) {
        this.deflatedPrefix = header;
        return true;
      }
      this.parseHeader(header, 0);
      return true;
    }
    this.tag = (group << 16) | this.hb.readUInt16LE(this.ho + 2);
    this.vr = this.hb.toString('latin1', this.ho + 4, this.ho + 6);
    if (LONG_LENGTH_VRS.has(this.vr) || !KNOWN_VRS.has(this.vr)) {
      this.state = 'metaLongLength';
      return true;
    }
    this.onMetaElement(this.hb.readUInt16LE(this.ho + 6));
    return true;
  }

  private onMetaElement(length: number): void {
    if (length === UNDEFINED_LENGTH || this.vr === 'SQ') {
      throw new DicomParseError(`File Meta Information element ${formatTag(hex8(this.tag))} is not a simple value`);
    }
    if (BULK_VRS.has(this.vr) || !KNOWN_VRS.has(this.vr)) this.startSkip(length);
    else this.startValue(length, 'meta');
  }

  private finishMeta(): void {
    const uid = this.meta[TRANSFER_SYNTAX_UID]?.Value?.[0];
    if (typeof uid !== 'string' || uid === '') {
      throw new DicomParseError('The File Meta Information has no Transfer Syntax UID (0002,0010)');
    }
    // It is stored and later written into Content-Type: only the UID grammar may pass.
    if (!isUidGrammar(uid)) {
      throw new DicomParseError('The Transfer Syntax UID (0002,0010) is not a valid UID (digits and single dots)');
    }
    const info = describeTransferSyntax(uid);
    this.syntaxInfo = info;
    if (!info.known)
      this.warnings.push(`Unknown transfer syntax ${uid}: read as explicit VR little endian, encapsulated`);
    this.stack = [];
    this.top = topLevelFrame(this.top.target, { explicitVr: info.explicitVr, littleEndian: info.littleEndian });
    this.state = 'header';
    if (info.deflated) this.inflater = new RawInflater();
  }

  /** Hands the rest of the raw chunk to the inflater once the deflated dataset begins. */
  private startInflating(rest: Buffer): void {
    const inflater = this.inflater;
    if (!inflater) return;
    const prefix = this.deflatedPrefix;
    this.deflatedPrefix = undefined;
    const input = prefix ? Buffer.concat([prefix, rest]) : rest;
    if (input.length > 0) this.feed(inflater.push(input));
  }

  // ---- Dataset elements --------------------------------------------------------------------------

  private readHeader(): boolean {
    this.closeFinishedContainers();
    if (!this.take(8)) return false;
    this.parseHeader(this.hb, this.ho);
    return true;
  }

  /** Interprets an 8-byte header: an item tag, a short explicit header, or the start of a long one. */
  private parseHeader(b: Buffer, at: number): void {
    const frame = this.current();
    const { explicitVr, littleEndian: le } = frame.syntax;
    const group = le ? b.readUInt16LE(at) : b.readUInt16BE(at);
    const tag = ((group << 16) | (le ? b.readUInt16LE(at + 2) : b.readUInt16BE(at + 2))) >>> 0;
    if (group === 0xfffe) {
      this.onItemTag(tag, this.u32(b, at + 4, le));
      return;
    }
    if (frame.kind === 'sequence') {
      throw new DicomParseError(
        `Sequence ${formatTag(hex8(frame.tag))} holds element ${formatTag(hex8(tag))} where an item was expected`,
      );
    }
    if (!explicitVr) {
      this.onElement(tag, implicitVr(tag), b.readUInt32LE(at + 4));
      return;
    }
    const c0 = b[at + 4] ?? 0;
    const c1 = b[at + 5] ?? 0;
    if (!isUpper(c0) || !isUpper(c1)) {
      throw new DicomParseError(`Element ${formatTag(hex8(tag))} has an invalid VR at byte ${this.offset - 4}`);
    }
    const vr = String.fromCharCode(c0, c1);
    if (LONG_LENGTH_VRS.has(vr) || !KNOWN_VRS.has(vr)) {
      // VRs newer than this parser use the long form too (PS3.5 6.2); their values are read as UN.
      this.tag = tag;
      this.vr = KNOWN_VRS.has(vr) ? vr : 'UN';
      this.state = 'longLength';
      return;
    }
    this.onElement(tag, vr, le ? b.readUInt16LE(at + 6) : b.readUInt16BE(at + 6));
  }

  private onElement(tag: number, vr: string, length: number): void {
    this.state = 'header';
    const frame = this.current();
    if (frame.kind !== 'dataset') throw new DicomParseError('Internal parser state error');
    this.tag = tag;
    this.vr = vr;
    if (frame.topLevel && tag > SERIES_INSTANCE_UID) this.complete = true;
    if (length === UNDEFINED_LENGTH) {
      this.onUndefinedLength(frame, tag, vr);
      return;
    }
    this.checkFits(frame, length, tag);
    if (vr === 'SQ' && !frame.discard) {
      this.pushSequence(frame, tag, frame.syntax, this.offset + length);
    } else if (frame.discard || vr === 'SQ') {
      this.startSkip(length);
    } else if (frame.topLevel && (tag === EXTENDED_OFFSET_TABLE || tag === EXTENDED_OFFSET_TABLE_LENGTHS)) {
      this.startValue(length, 'offsetTable');
    } else if (BULK_VRS.has(vr)) {
      if (frame.topLevel && isPixelData(tag) && !this.pixels.recorded) {
        this.pixels.recordNative({ offset: this.offset, length });
      }
      this.startSkip(length);
    } else {
      this.startValue(length, 'element');
    }
  }

  private onUndefinedLength(frame: DatasetFrame, tag: number, vr: string): void {
    if (vr === 'SQ') {
      this.pushSequence(frame, tag, frame.syntax, undefined);
    } else if (vr === 'UN' && frame.syntax.explicitVr) {
      this.pushSequence(frame, tag, IMPLICIT_LE, undefined, true);
    } else if (BULK_VRS.has(vr) && (frame.syntax.explicitVr || isPixelData(tag))) {
      // Encapsulated (fragmented) data: top-level Pixel Data is indexed; any other is skipped.
      this.trackFragments = frame.topLevel && tag === PIXEL_DATA && !this.pixels.recorded;
      if (this.trackFragments) this.pixels.recordEncapsulated();
      this.state = 'fragmentHeader';
    } else if (!frame.syntax.explicitVr) {
      // In implicit VR only a sequence can have undefined length (PS3.5 7.5.1).
      this.pushSequence(frame, tag, frame.syntax, undefined);
    } else {
      throw new DicomParseError(`Element ${formatTag(hex8(tag))} has undefined length, which VR ${vr} does not allow`);
    }
  }

  private checkFits(frame: Frame, length: number, tag: number): void {
    if (this.offset + length > frame.limit) {
      throw new DicomParseError(`Element ${formatTag(hex8(tag))} runs past the end of its sequence item`);
    }
  }

  private pushSequence(
    frame: DatasetFrame,
    tag: number,
    syntax: Syntax,
    end: number | undefined,
    forceDiscard = false,
  ): void {
    if (this.stack.length >= this.maxDepth * 2) {
      throw new DicomParseError(`Sequences are nested more than ${this.maxDepth} deep`);
    }
    const discard = frame.discard || forceDiscard;
    if (!discard) this.charge(OBJECT_COST);
    const element: DicomJsonElement = { vr: 'SQ', Value: [] };
    if (!discard) frame.target[hex8(tag)] = element;
    this.stack.push({
      kind: 'sequence',
      tag,
      element,
      end,
      limit: Math.min(end ?? Infinity, frame.limit),
      syntax,
      charset: frame.charset,
      discard,
    });
  }

  private onItemTag(tag: number, length: number): void {
    const frame = this.current();
    if (tag === ITEM && frame.kind === 'sequence') {
      const end = length === UNDEFINED_LENGTH ? undefined : this.offset + length;
      if (end !== undefined) this.checkFits(frame, length, frame.tag);
      if (frame.discard && end !== undefined) {
        this.startSkip(length);
        return;
      }
      const target: DicomJsonDataset = {};
      if (!frame.discard) {
        this.charge(OBJECT_COST);
        (frame.element.Value as DicomJsonValue[]).push(target);
      }
      this.stack.push({
        kind: 'dataset',
        target,
        end,
        limit: Math.min(end ?? Infinity, frame.limit),
        syntax: frame.syntax,
        charset: frame.charset,
        discard: frame.discard,
        topLevel: false,
      });
      return;
    }
    if (tag === ITEM_DELIMITATION && frame.kind === 'dataset' && !frame.topLevel && frame.end === undefined) {
      this.stack.pop();
      return;
    }
    if (tag === SEQUENCE_DELIMITATION && frame.kind === 'sequence' && frame.end === undefined) {
      this.popSequence();
      return;
    }
    throw new DicomParseError(`Unexpected ${itemTagName(tag)} at byte ${this.offset - 8}`);
  }

  private popSequence(): void {
    const frame = this.stack.pop();
    // An empty sequence has no Value (PS3.18 F.2.5).
    if (frame?.kind === 'sequence' && frame.element.Value?.length === 0) delete frame.element.Value;
  }

  /** Leaves every defined-length item and sequence that ends at the current offset. */
  private closeFinishedContainers(): void {
    for (;;) {
      const frame = this.stack[this.stack.length - 1];
      if (!frame || frame.end === undefined || this.offset < frame.end) return;
      if (frame.kind === 'sequence') this.popSequence();
      else this.stack.pop();
    }
  }

  // ---- Values --------------------------------------------------------------------------------------

  private startSkip(length: number): void {
    this.remaining = length;
    this.state = 'skip';
  }

  private startValue(length: number, purpose: ValuePurpose): void {
    if (length > this.maxValueBytes) {
      throw new DicomParseError(
        `Element ${formatTag(hex8(this.tag))} has a ${length}-byte value, more than the ${this.maxValueBytes}-byte limit`,
      );
    }
    this.charge(length + OBJECT_COST);
    this.purpose = purpose;
    this.remaining = length;
    this.parts = [];
    this.state = 'value';
    // Most values sit inside one chunk: decode them in place, with no copy.
    if (this.buf.length - this.pos >= length) {
      const bytes = this.buf.subarray(this.pos, this.pos + length);
      this.pos += length;
      this.remaining = 0;
      this.onValue(bytes);
    }
  }

  /** Counts memory the parse result will hold against `maxMetadataBytes`. */
  private charge(bytes: number): void {
    this.metadataBytes += bytes;
    if (this.metadataBytes > this.maxMetadataBytes) {
      throw new DicomParseError(`The metadata is larger than the ${this.maxMetadataBytes}-byte limit`);
    }
  }

  /** Gathers a value that straddles chunks (copied: the caller may reuse its chunk buffers). */
  private collect(): boolean {
    const n = Math.min(this.remaining, this.buf.length - this.pos);
    if (n > 0) this.parts.push(Buffer.from(this.buf.subarray(this.pos, this.pos + n)));
    this.pos += n;
    this.remaining -= n;
    if (this.remaining > 0) return false;
    const bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    this.parts = [];
    this.onValue(bytes);
    return true;
  }

  private onValue(bytes: Buffer): void {
    switch (this.purpose) {
      case 'meta':
        this.state = 'meta';
        this.storeMeta(bytes);
        return;
      case 'basicOffsetTable':
        this.state = 'fragmentHeader';
        this.pixels.setBasicOffsetTable(bytes);
        return;
      case 'offsetTable':
        this.state = 'header';
        if (this.tag === EXTENDED_OFFSET_TABLE) this.pixels.setExtendedOffsetTable(bytes);
        return;
      case 'element':
        this.state = 'header';
        this.storeElement(bytes);
        return;
    }
  }

  private storeMeta(bytes: Buffer): void {
    if (this.tag === 0x00020000) {
      if (bytes.length === 4) this.metaEnd = this.offset + bytes.readUInt32LE(0);
      return;
    }
    this.meta[hex8(this.tag)] = decodeValue(hex8(this.tag), this.vr, bytes, true, defaultCharset, this.warnings);
  }

  private storeElement(bytes: Buffer): void {
    const frame = this.current();
    if (frame.kind !== 'dataset') throw new DicomParseError('Internal parser state error');
    // Group lengths are deprecated and meaningless once the data is re-encoded as JSON.
    if ((this.tag & 0xffff) === 0) return;
    const tag = hex8(this.tag);
    // Before decoding: a value of millions of tiny items must fail the budget, not fill memory.
    this.charge(decodedValueCost(this.vr, bytes));
    const element = decodeValue(tag, this.vr, bytes, frame.syntax.littleEndian, frame.charset, this.warnings);
    frame.target[tag] = element;
    if (this.tag === SPECIFIC_CHARACTER_SET) {
      frame.charset = resolveCharset(element.Value?.map((v) => (typeof v === 'string' ? v : '')) ?? []);
      for (const term of frame.charset.unknownTerms) {
        this.warnings.push(`Unknown Specific Character Set "${term}": its text is read as Latin-1`);
      }
    }
    if (frame.topLevel && this.tag === SERIES_INSTANCE_UID) this.complete = true;
  }

  // ---- Encapsulated Pixel Data (PS3.5 A.4) ----------------------------------------------------------

  private readFragmentHeader(): boolean {
    if (!this.take(8)) return false;
    const le = this.current().syntax.littleEndian;
    const group = le ? this.hb.readUInt16LE(this.ho) : this.hb.readUInt16BE(this.ho);
    const tag = ((group << 16) | (le ? this.hb.readUInt16LE(this.ho + 2) : this.hb.readUInt16BE(this.ho + 2))) >>> 0;
    const length = this.u32(this.hb, this.ho + 4, le);
    if (tag === SEQUENCE_DELIMITATION) {
      this.trackFragments = false;
      this.state = 'header';
      return true;
    }
    if (tag !== ITEM || length === UNDEFINED_LENGTH) {
      throw new DicomParseError(`Encapsulated pixel data holds ${formatTag(hex8(tag))} where a fragment was expected`);
    }
    this.checkFits(this.current(), length, PIXEL_DATA);
    if (!this.trackFragments) {
      this.remaining = length;
      this.state = 'fragmentValue';
      return true;
    }
    if (this.pixels.expectsBasicOffsetTable) {
      this.tag = PIXEL_DATA;
      this.startValue(length, 'basicOffsetTable');
      return true;
    }
    this.charge(OBJECT_COST);
    this.pixels.startFragment(this.offset, length);
    this.remaining = length;
    this.state = 'fragmentValue';
    return true;
  }

  private skipFragment(): boolean {
    if (this.trackFragments) {
      // A fragment's first two bytes may be a frame start marker (JPEG FFD8, JPEG 2000 FF4F).
      while (this.pixels.wantsFirstBytes && this.pos < this.buf.length) {
        this.pixels.firstByte(this.buf[this.pos] ?? 0);
        this.pos += 1;
        this.remaining -= 1;
      }
    }
    const n = Math.min(this.remaining, this.buf.length - this.pos);
    this.pos += n;
    this.remaining -= n;
    if (this.remaining > 0) return false;
    if (this.trackFragments) this.pixels.endFragment();
    this.state = 'fragmentHeader';
    return true;
  }
}

// ---- Helpers -------------------------------------------------------------------------------------------

function topLevelFrame(target: DicomJsonDataset, syntax: Syntax): DatasetFrame {
  return {
    kind: 'dataset',
    target,
    end: undefined,
    limit: Infinity,
    syntax,
    charset: defaultCharset,
    discard: false,
    topLevel: true,
  };
}

function hex8(tag: number): string {
  return (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

function isUpper(c: number): boolean {
  return c >= 0x41 && c <= 0x5a;
}

function isPixelData(tag: number): boolean {
  return tag === PIXEL_DATA || tag === FLOAT_PIXEL_DATA || tag === DOUBLE_FLOAT_PIXEL_DATA;
}

/** The VR of an Implicit VR element: the dictionary's, or what PS3.5 7.8 and 7.2 fix for private and group-length tags. */
function implicitVr(tag: number): string {
  const element = tag & 0xffff;
  if (element === 0) return 'UL';
  if ((tag >>> 16) % 2 === 1) return element >= 0x10 && element <= 0xff ? 'LO' : 'UN';
  return lookupTag(hex8(tag))?.vr ?? 'UN';
}

function itemTagName(tag: number): string {
  if (tag === ITEM) return 'Item (FFFE,E000) outside a sequence';
  if (tag === ITEM_DELIMITATION) return 'Item Delimitation (FFFE,E00D)';
  if (tag === SEQUENCE_DELIMITATION) return 'Sequence Delimitation (FFFE,E0DD)';
  return `tag ${formatTag(hex8(tag))}`;
}
