/**
 * Bytes gathered chunk by chunk into one buffer that doubles when full, so holding n bytes that
 * arrived in any number of chunks copies at most about 3n bytes (concatenating on every chunk
 * copies n²/2 when the chunks are small: issue 13's quadratic File Meta buffering).
 */
const MIN_CAPACITY = 1024;

export class ByteAccumulator {
  private buffer = Buffer.alloc(0);
  private used = 0;
  /** Every byte copied so far, growth included: what tests check to prove the buffering linear. */
  bytesCopied = 0;

  get length(): number {
    return this.used;
  }

  append(chunk: Buffer): void {
    const needed = this.used + chunk.length;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2, MIN_CAPACITY));
      this.buffer.copy(grown, 0, 0, this.used);
      this.bytesCopied += this.used;
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.used);
    this.bytesCopied += chunk.length;
    this.used = needed;
  }

  /** The bytes so far (a view: valid until the next append). */
  view(): Buffer {
    return this.buffer.subarray(0, this.used);
  }
}
