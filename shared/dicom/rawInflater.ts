/**
 * A synchronous, incremental raw-DEFLATE decoder (RFC 1951) for the Deflated Explicit VR Little
 * Endian transfer syntax. Node's zlib only inflates incrementally through asynchronous streams,
 * and the Part 10 parser's `write()` is synchronous, so this decoder keeps its own state:
 * each symbol is decoded atomically and, when a chunk ends mid-symbol, the few bytes it needed
 * wait for the next chunk. Memory: a 32 KiB history window plus one chunk's output.
 */
import { DicomParseError } from './dicomParseError';

const WINDOW = 32768;

/** Thrown inside the decoder when the input ran out; never escapes `push`. */
class NeedMoreInput extends Error {}
const NEED_MORE = new NeedMoreInput();

/** Codes up to this many bits are decoded with one table lookup; longer ones bit by bit. */
const FAST_BITS = 10;

interface Huffman {
  /** count[len]: how many codes have this bit length. */
  readonly count: Uint16Array;
  /** Symbols ordered by code. */
  readonly symbol: Uint16Array;
  /** Indexed by the next FAST_BITS input bits: (code length << 16) | symbol, or 0 for a longer code. */
  readonly fast: Int32Array;
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

function buildHuffman(lengths: ArrayLike<number>, n: number): Huffman {
  const count = new Uint16Array(16);
  for (let i = 0; i < n; i += 1) count[lengths[i] ?? 0]! += 1;
  count[0] = 0;
  const offs = new Uint16Array(16);
  for (let len = 1; len < 15; len += 1) offs[len + 1] = offs[len]! + count[len]!;
  const symbol = new Uint16Array(n);
  for (let i = 0; i < n; i += 1) {
    const len = lengths[i] ?? 0;
    if (len !== 0) symbol[offs[len]!++] = i;
  }
  // Canonical codes in order; the stream sends them most significant bit first, so the table is
  // indexed by the bit-reversed code, every entry that starts with it.
  const fast = new Int32Array(1 << FAST_BITS);
  let code = 0;
  let index = 0;
  for (let len = 1; len <= FAST_BITS; len += 1) {
    for (let k = 0; k < count[len]!; k += 1) {
      const entry = (len << 16) | symbol[index]!;
      for (let i = reverse(code, len); i < fast.length; i += 1 << len) fast[i] = entry;
      code += 1;
      index += 1;
    }
    code <<= 1;
  }
  return { count, symbol, fast };
}

function reverse(code: number, len: number): number {
  let out = 0;
  for (let i = 0; i < len; i += 1) out |= ((code >> i) & 1) << (len - 1 - i);
  return out;
}

const FIXED_LITERALS = buildHuffman(
  Array.from({ length: 288 }, (_, i) => (i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8)),
  288,
);
const FIXED_DISTANCES = buildHuffman(new Array<number>(30).fill(5), 30);

type Phase = 'header' | 'stored' | 'codes' | 'done';

/**
 * Decompression-bomb limits (issue 13): DEFLATE can expand about 1000 times, so a 4 MB upload
 * once inflated to 4 GiB on the event loop. Real deflated datasets stay far below these.
 */
export const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;
export const MAX_INFLATION_RATIO = 100;
/** Below this much output the ratio is not checked (small headers compress very well). */
const RATIO_FREE_BYTES = 1024 * 1024;

export interface InflateLimits {
  readonly maxInflatedBytes?: number;
  readonly maxRatio?: number;
}

export class RawInflater {
  private readonly maxInflatedBytes: number;
  private readonly maxRatio: number;
  /** Compressed bytes received and bytes produced by earlier pushes, for the limits. */
  private totalIn = 0;
  private totalOut = 0;
  private pushStart = 0;
  private phase: Phase = 'header';
  private lastBlock = false;
  private storedRemaining = 0;
  private literals: Huffman = FIXED_LITERALS;
  private distances: Huffman = FIXED_DISTANCES;

  // Input: bytes not yet consumed, read LSB first.
  private input: Buffer = Buffer.alloc(0);
  private pos = 0;
  private bitBuf = 0;
  private bitCount = 0;
  private markPos = 0;
  private markBitBuf = 0;
  private markBitCount = 0;

  // Output: history (last WINDOW bytes) followed by this push's output.
  private out: Uint8Array = new Uint8Array(WINDOW * 2);
  private outLen = 0;

  constructor(limits: InflateLimits = {}) {
    this.maxInflatedBytes = limits.maxInflatedBytes ?? MAX_INFLATED_BYTES;
    this.maxRatio = limits.maxRatio ?? MAX_INFLATION_RATIO;
  }

  /** True once the final block has been decoded. */
  get finished(): boolean {
    return this.phase === 'done';
  }

  /** Decodes as much of the stream as the bytes so far allow; returns the new output. */
  push(chunk: Buffer): Buffer {
    if (this.phase === 'done' || chunk.length === 0) return Buffer.alloc(0);
    this.input = this.pos < this.input.length ? Buffer.concat([this.input.subarray(this.pos), chunk]) : chunk;
    this.pos = 0;
    this.totalIn += chunk.length;
    const historyLen = this.outLen;
    this.pushStart = historyLen;
    try {
      this.run();
    } catch (err) {
      if (err !== NEED_MORE) throw err;
    }
    const produced = Buffer.from(this.out.subarray(historyLen, this.outLen));
    this.totalOut += produced.length;
    this.keepHistory();
    return produced;
  }

  private run(): void {
    for (;;) {
      switch (this.phase) {
        case 'header':
          this.readBlockHeader();
          break;
        case 'stored':
          this.copyStored();
          break;
        case 'codes':
          this.decodeCodes();
          break;
        case 'done':
          return;
      }
    }
  }

  /** Reads a block header (and a dynamic block's code tables) as one unit: all or nothing. */
  private readBlockHeader(): void {
    this.mark();
    try {
      const last = this.bits(1) === 1;
      const type = this.bits(2);
      if (type === 0) {
        // Stored: skip to a byte boundary, then LEN and its one's complement.
        this.bitBuf = 0;
        this.bitCount = 0;
        const len = this.bits(16);
        const nlen = this.bits(16);
        if ((len ^ 0xffff) !== nlen) throw new DicomParseError('Deflated data is corrupt (stored block length)');
        this.storedRemaining = len;
        this.phase = 'stored';
      } else if (type === 1) {
        this.literals = FIXED_LITERALS;
        this.distances = FIXED_DISTANCES;
        this.phase = 'codes';
      } else if (type === 2) {
        this.readDynamicTables();
        this.phase = 'codes';
      } else {
        throw new DicomParseError('Deflated data is corrupt (invalid block type)');
      }
      this.lastBlock = last;
    } catch (err) {
      if (err === NEED_MORE) this.rewind();
      throw err;
    }
  }

  private readDynamicTables(): void {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw new DicomParseError('Deflated data is corrupt (bad code counts)');
    const lengths = new Uint8Array(320);
    for (let i = 0; i < ncode; i += 1) lengths[CODE_LENGTH_ORDER[i]!] = this.bits(3);
    const lencode = buildHuffman(lengths, 19);
    lengths.fill(0);
    let index = 0;
    while (index < nlen + ndist) {
      const sym = this.decodeSymbol(lencode);
      if (sym < 16) {
        lengths[index++] = sym;
        continue;
      }
      let repeat: number;
      let value = 0;
      if (sym === 16) {
        if (index === 0) throw new DicomParseError('Deflated data is corrupt (repeat with no length)');
        value = lengths[index - 1]!;
        repeat = 3 + this.bits(2);
      } else if (sym === 17) {
        repeat = 3 + this.bits(3);
      } else {
        repeat = 11 + this.bits(7);
      }
      if (index + repeat > nlen + ndist) throw new DicomParseError('Deflated data is corrupt (too many lengths)');
      lengths.fill(value, index, index + repeat);
      index += repeat;
    }
    this.literals = buildHuffman(lengths.subarray(0, nlen), nlen);
    this.distances = buildHuffman(lengths.subarray(nlen, nlen + ndist), ndist);
  }

  private copyStored(): void {
    while (this.storedRemaining > 0) {
      const available = this.input.length - this.pos;
      if (available === 0) throw NEED_MORE;
      const n = Math.min(available, this.storedRemaining);
      this.ensureOutput(n);
      this.out.set(this.input.subarray(this.pos, this.pos + n), this.outLen);
      this.outLen += n;
      this.pos += n;
      this.storedRemaining -= n;
    }
    this.endBlock();
  }

  /** Literal/length and distance symbols; each one is decoded completely or not at all. */
  private decodeCodes(): void {
    try {
      for (;;) {
        this.mark();
        const sym = this.decodeSymbol(this.literals);
        if (sym < 256) {
          this.ensureOutput(1);
          this.out[this.outLen++] = sym;
          continue;
        }
        if (sym === 256) break;
        const li = sym - 257;
        if (li >= 29) throw new DicomParseError('Deflated data is corrupt (bad length code)');
        const length = LENGTH_BASE[li]! + this.bits(LENGTH_EXTRA[li]!);
        const di = this.decodeSymbol(this.distances);
        if (di >= 30) throw new DicomParseError('Deflated data is corrupt (bad distance code)');
        const distance = DIST_BASE[di]! + this.bits(DIST_EXTRA[di]!);
        if (distance > this.outLen) throw new DicomParseError('Deflated data is corrupt (distance too far back)');
        this.ensureOutput(length);
        this.copyBack(distance, length);
      }
    } catch (err) {
      if (err === NEED_MORE) this.rewind();
      throw err;
    }
    this.endBlock();
  }

  private copyBack(distance: number, length: number): void {
    const out = this.out;
    let from = this.outLen - distance;
    if (distance >= length) {
      out.copyWithin(this.outLen, from, from + length);
      this.outLen += length;
      return;
    }
    // Overlapping: the copy repeats the bytes it is producing.
    for (let i = 0; i < length; i += 1) out[this.outLen++] = out[from++]!;
  }

  private endBlock(): void {
    this.phase = this.lastBlock ? 'done' : 'header';
  }

  /** Canonical Huffman decoding (RFC 1951 3.2.2): one table lookup, or bit by bit for long codes. */
  private decodeSymbol(h: Huffman): number {
    while (this.bitCount < FAST_BITS && this.pos < this.input.length) {
      this.bitBuf |= this.input[this.pos++]! << this.bitCount;
      this.bitCount += 8;
    }
    const entry = h.fast[this.bitBuf & ((1 << FAST_BITS) - 1)]!;
    const len = entry >>> 16;
    if (entry !== 0 && len <= this.bitCount) {
      this.bitBuf >>>= len;
      this.bitCount -= len;
      return entry & 0xffff;
    }
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len < 16; len += 1) {
      code |= this.bits(1);
      const count = h.count[len]!;
      if (code - count < first) return h.symbol[index + (code - first)]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new DicomParseError('Deflated data is corrupt (bad Huffman code)');
  }

  private bits(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.input.length) throw NEED_MORE;
      this.bitBuf |= this.input[this.pos++]! << this.bitCount;
      this.bitCount += 8;
    }
    const value = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return value;
  }

  /** Remembers the input position before a unit (symbol, block header) that must decode whole. */
  private mark(): void {
    this.markPos = this.pos;
    this.markBitBuf = this.bitBuf;
    this.markBitCount = this.bitCount;
  }

  private rewind(): void {
    this.pos = this.markPos;
    this.bitBuf = this.markBitBuf;
    this.bitCount = this.markBitCount;
  }

  private ensureOutput(n: number): void {
    // Checked before the output grows, so a bomb stops within one symbol of the limit.
    const inflated = this.totalOut + this.outLen + n - this.pushStart;
    if (inflated > this.maxInflatedBytes) {
      throw new DicomParseError(`The deflated dataset inflates past the ${this.maxInflatedBytes}-byte limit`);
    }
    if (inflated > RATIO_FREE_BYTES && inflated > this.totalIn * this.maxRatio) {
      throw new DicomParseError(`The deflated dataset inflates more than ${this.maxRatio} times its size`);
    }
    if (this.outLen + n <= this.out.length) return;
    const bigger = new Uint8Array(Math.max(this.out.length * 2, this.outLen + n));
    bigger.set(this.out.subarray(0, this.outLen));
    this.out = bigger;
  }

  /** Keeps the last 32 KiB as history for back-references, at the start of the output buffer. */
  private keepHistory(): void {
    if (this.outLen <= WINDOW) return;
    this.out.copyWithin(0, this.outLen - WINDOW, this.outLen);
    this.outLen = WINDOW;
  }
}
