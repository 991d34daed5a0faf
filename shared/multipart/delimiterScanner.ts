/**
 * Splits a byte stream at multipart delimiters, whatever the chunking: the tokens for a body fed
 * one byte at a time are the same bytes as for the body fed whole.
 *
 * The delimiter searched for is `LF--boundary` rather than RFC 2046's `CRLF--boundary`, so that
 * LF-only bodies work too; a CR just before a delimiter belongs to it and is removed from the
 * data. That costs holding back one byte: a chunk's trailing CR is only released once the next
 * bytes show that no delimiter follows. Data tokens are views into the caller's chunks (no
 * copies), so chunks must not be reused after they are pushed; Readable streams never do.
 */
export const DELIMITER = Symbol('multipart delimiter');

/** Bytes between delimiters (never empty), or a delimiter. */
export type ScanToken = Buffer | typeof DELIMITER;

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export class DelimiterScanner {
  private readonly needle: Buffer;
  /** The end of earlier input that may be the start of a delimiter (shorter than the needle). */
  private carry: Buffer;
  /** Whether the data released so far ended in a CR that was held back. */
  private heldCR = false;

  constructor(boundary: string) {
    this.needle = Buffer.from(`\n--${boundary}`, 'latin1');
    // A line feed before the first byte lets a body that opens with `--boundary` (no preamble,
    // no leading CRLF) match like every later delimiter.
    this.carry = Buffer.from([LF]);
  }

  /** The tokens of `chunk`, produced lazily so the caller can stop between parts. */
  *scan(chunk: Buffer): Generator<ScanToken, void, undefined> {
    let pos = 0;
    if (this.carry.length > 0) {
      const carry = this.carry;
      const head = Buffer.concat([carry, chunk.subarray(0, this.needle.length - 1)]);
      const at = head.indexOf(this.needle);
      if (at !== -1 && at < carry.length) {
        // A delimiter that straddles the previous chunk and this one.
        this.carry = EMPTY;
        yield* this.beforeDelimiter(head.subarray(0, at));
        yield DELIMITER;
        pos = at + this.needle.length - carry.length;
      } else if (chunk.length >= this.needle.length - 1) {
        // Enough bytes to know no delimiter starts in the carry: it is data.
        this.carry = EMPTY;
        yield* this.data(carry);
      } else {
        // Too few bytes to decide: keep the part that may still start a delimiter.
        const keep = this.partialDelimiterLength(head, 0);
        this.carry = head.subarray(head.length - keep);
        yield* this.data(head.subarray(0, head.length - keep));
        return;
      }
    }
    for (let at = chunk.indexOf(this.needle, pos); at !== -1; at = chunk.indexOf(this.needle, pos)) {
      yield* this.beforeDelimiter(chunk.subarray(pos, at));
      yield DELIMITER;
      pos = at + this.needle.length;
    }
    const keep = this.partialDelimiterLength(chunk, pos);
    yield* this.data(chunk.subarray(pos, chunk.length - keep));
    // A copy: the carry outlives the chunk and is at most 72 bytes.
    this.carry = keep > 0 ? Buffer.from(chunk.subarray(chunk.length - keep)) : EMPTY;
  }

  /** At the end of input, whatever was held back is data. */
  *finish(): Generator<ScanToken, void, undefined> {
    const carry = this.carry;
    this.carry = EMPTY;
    yield* this.data(carry);
    if (this.heldCR) {
      this.heldCR = false;
      yield Buffer.from([CR]);
    }
  }

  /** Data followed by a delimiter: its final CR, or one held back, is part of the delimiter. */
  private *beforeDelimiter(bytes: Buffer): Generator<ScanToken, void, undefined> {
    if (bytes.length === 0) {
      this.heldCR = false;
      return;
    }
    yield* this.releaseHeldCR();
    const end = bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    if (end > 0) yield bytes.subarray(0, end);
  }

  /** Data that may or may not be followed by a delimiter: hold back a final CR. */
  private *data(bytes: Buffer): Generator<ScanToken, void, undefined> {
    if (bytes.length === 0) return;
    yield* this.releaseHeldCR();
    if (bytes[bytes.length - 1] === CR) {
      this.heldCR = true;
      if (bytes.length > 1) yield bytes.subarray(0, bytes.length - 1);
    } else {
      yield bytes;
    }
  }

  private *releaseHeldCR(): Generator<ScanToken, void, undefined> {
    if (this.heldCR) {
      this.heldCR = false;
      yield Buffer.from([CR]);
    }
  }

  /** Length of the longest end of `bytes[from..]` that is a proper start of the delimiter. */
  private partialDelimiterLength(bytes: Buffer, from: number): number {
    const first = this.needle[0];
    for (let start = Math.max(from, bytes.length - this.needle.length + 1); start < bytes.length; start += 1) {
      if (bytes[start] !== first) continue;
      const length = bytes.length - start;
      if (bytes.compare(this.needle, 0, length, start) === 0) return length;
    }
    return 0;
  }
}
