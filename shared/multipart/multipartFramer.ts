import { BadRequestError, RequestAbortedError } from '../errors';
import { DELIMITER, DelimiterScanner, type ScanToken } from './delimiterScanner';
import { parseHeaderBlock } from './partHeaders';

/** What a multipart body is made of, in order: each part is `part`, any `data`, `partEnd`. */
export type FrameEvent =
  | { readonly kind: 'part'; readonly headers: Map<string, string> }
  | { readonly kind: 'data'; readonly bytes: Buffer }
  | { readonly kind: 'partEnd' }
  | { readonly kind: 'end' };

export interface FramerLimits {
  readonly maxParts: number;
  /** Largest header block of one part, counting its closing empty line. */
  readonly maxHeaderBytes: number;
  /** Most bytes before the first boundary line. */
  readonly maxPreambleBytes: number;
}

type State = 'preamble' | 'boundaryLine' | 'headers' | 'body' | 'epilogue';

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const SPACE = 0x20;
const TAB = 0x09;
const PART_END: FrameEvent = { kind: 'partEnd' };
const END: FrameEvent = { kind: 'end' };

/**
 * The multipart grammar of RFC 2046 5.1.1 over the scanner's tokens: preamble, then for each
 * part the rest of its boundary line (optional `--`, transport padding, line break), its header
 * block and its body, then the epilogue after the closing delimiter. Synchronous and free of I/O:
 * the caller feeds chunks and pulls events, and can stop pulling between any two of them.
 */
export class MultipartFramer {
  private readonly scanner: DelimiterScanner;
  private state: State = 'preamble';
  private preambleBytes = 0;
  private parts = 0;
  /** The rest of a boundary line: a first `-` of a closing `--`, a CR, spaces or tabs seen. */
  private lineDash = false;
  private lineCR = false;
  private linePadded = false;
  /**
   * The header block being collected, behind one LF that stands for the boundary line's own, so
   * that an empty line is always "LF then (CR)LF", even when there are no headers at all.
   */
  private readonly headerBuffer: Buffer;
  private headerLength = 0;

  constructor(
    private readonly boundary: string,
    private readonly limits: FramerLimits,
  ) {
    this.scanner = new DelimiterScanner(boundary);
    this.headerBuffer = Buffer.allocUnsafe(limits.maxHeaderBytes + 1);
  }

  /** The events that `chunk` completes. */
  *push(chunk: Buffer): Generator<FrameEvent, void, undefined> {
    // After the closing delimiter nothing is parsed: the epilogue is read only to be discarded.
    if (this.closed()) return;
    for (const token of this.scanner.scan(chunk)) {
      yield* this.onToken(token);
      if (this.closed()) return;
    }
  }

  /** The last events once the input has ended; throws if the body stopped short. */
  *end(): Generator<FrameEvent, void, undefined> {
    if (!this.closed()) {
      for (const token of this.scanner.finish()) yield* this.onToken(token);
    }
    if (this.closed()) {
      yield END;
    } else if (this.state === 'preamble') {
      throw new BadRequestError(
        `The multipart body has no boundary line "--${this.boundary}".`,
        'MultipartBoundaryNotFound',
      );
    } else {
      throw new RequestAbortedError('The multipart body ended before its closing boundary.');
    }
  }

  /** Whether the closing delimiter has been seen. */
  private closed(): boolean {
    return this.state === 'epilogue';
  }

  private *onToken(token: ScanToken): Generator<FrameEvent, void, undefined> {
    if (token === DELIMITER) {
      yield* this.onDelimiter();
      return;
    }
    switch (this.state) {
      case 'preamble':
        this.preambleBytes += token.length;
        if (this.preambleBytes > this.limits.maxPreambleBytes) {
          throw new BadRequestError(
            `No multipart boundary line "--${this.boundary}" in the first ${this.limits.maxPreambleBytes} bytes of the body.`,
            'MultipartBoundaryNotFound',
          );
        }
        return;
      case 'boundaryLine':
        yield* this.onBoundaryLine(token);
        return;
      case 'headers':
        yield* this.onHeaderBytes(token);
        return;
      case 'body':
        yield { kind: 'data', bytes: token };
        return;
      case 'epilogue':
        return;
    }
  }

  private *onDelimiter(): Generator<FrameEvent, void, undefined> {
    switch (this.state) {
      case 'boundaryLine':
        throw this.badBoundaryLine();
      case 'headers':
        // A part that ends inside its header block has those headers and no body. No blank line
        // at all is how .NET's MultipartContent frames a request without parts.
        yield this.startPart(this.headerBuffer.subarray(1, this.headerLength));
        yield PART_END;
        break;
      case 'body':
        yield PART_END;
        break;
      case 'preamble':
      case 'epilogue':
        break;
    }
    this.state = 'boundaryLine';
    this.lineDash = false;
    this.lineCR = false;
    this.linePadded = false;
  }

  /** After a delimiter: `--` closes the body; otherwise padding and a line break open a part. */
  private *onBoundaryLine(bytes: Buffer): Generator<FrameEvent, void, undefined> {
    for (const [i, byte] of bytes.entries()) {
      if (this.lineDash) {
        if (byte !== DASH) throw this.badBoundaryLine();
        this.state = 'epilogue';
        return;
      }
      if (byte === LF) {
        this.state = 'headers';
        this.headerBuffer[0] = LF;
        this.headerLength = 1;
        yield* this.onHeaderBytes(bytes.subarray(i + 1));
        return;
      }
      if (this.lineCR) throw this.badBoundaryLine();
      if (byte === CR) this.lineCR = true;
      else if (byte === SPACE || byte === TAB) this.linePadded = true;
      else if (byte === DASH && !this.linePadded) this.lineDash = true;
      else throw this.badBoundaryLine();
    }
  }

  private *onHeaderBytes(bytes: Buffer): Generator<FrameEvent, void, undefined> {
    if (bytes.length === 0) return;
    const before = this.headerLength;
    this.headerLength += bytes.copy(this.headerBuffer, before);
    // Start two bytes back: the empty line may straddle this token and the previous one.
    const end = findEmptyLine(this.headerBuffer.subarray(0, this.headerLength), Math.max(0, before - 2));
    if (end === undefined) {
      if (this.headerLength === this.headerBuffer.length) {
        throw new BadRequestError(
          `The headers of part ${this.parts + 1} of the multipart body are larger than ${this.limits.maxHeaderBytes} bytes.`,
          'MultipartHeaderTooLarge',
        );
      }
      return;
    }
    yield this.startPart(this.headerBuffer.subarray(1, end.lineEnd));
    this.state = 'body';
    const rest = bytes.subarray(end.next - before);
    if (rest.length > 0) yield { kind: 'data', bytes: rest };
  }

  private startPart(headerBlock: Buffer): FrameEvent {
    this.parts += 1;
    if (this.parts > this.limits.maxParts) {
      throw new BadRequestError(
        `The multipart body has more than ${this.limits.maxParts} parts.`,
        'MultipartTooManyParts',
      );
    }
    return { kind: 'part', headers: parseHeaderBlock(headerBlock, this.parts) };
  }

  private badBoundaryLine(): BadRequestError {
    return new BadRequestError(
      `A multipart boundary line "--${this.boundary}" is followed by something other than "--" or a line break.`,
      'MultipartInvalidBoundaryLine',
    );
  }
}

/** The first "LF (CR)LF" at or after `from`: where the last header line ends and where the body starts. */
function findEmptyLine(bytes: Buffer, from: number): { lineEnd: number; next: number } | undefined {
  for (let i = bytes.indexOf(LF, from); i !== -1; i = bytes.indexOf(LF, i + 1)) {
    if (bytes[i + 1] === LF) return { lineEnd: i, next: i + 2 };
    if (bytes[i + 1] === CR && bytes[i + 2] === LF) return { lineEnd: i, next: i + 3 };
  }
  return undefined;
}
