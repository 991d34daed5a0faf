/**
 * Pulls bytes from an async chunk stream on demand: small reads (element headers) are buffered,
 * long runs (values, pixel data) stream through chunk by chunk, so memory stays at about one chunk.
 */
export class ByteSource {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;

  constructor(private readonly input: AsyncIterator<Buffer>) {}

  /** Buffers at least `n` bytes; false when the stream ends first. */
  async fill(n: number): Promise<boolean> {
    while (this.buffered < n && !this.ended) {
      const next = await this.input.next();
      if (next.done) this.ended = true;
      else if (next.value.length > 0) {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    }
    return this.buffered >= n;
  }

  /** The first `n` buffered bytes, without consuming them (call `fill(n)` first). */
  peek(n: number): Buffer {
    if (this.chunks.length > 1 && (this.chunks[0]?.length ?? 0) < n) this.merge();
    return (this.chunks[0] ?? Buffer.alloc(0)).subarray(0, n);
  }

  /** Consumes the first `n` buffered bytes (call `fill(n)` first). */
  take(n: number): Buffer {
    const head = Buffer.from(this.peek(n));
    this.drop(n);
    return head;
  }

  /** Streams the next `n` bytes through; throws when the stream ends first. */
  async *pass(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (!(await this.fill(1))) throw new Error('The file ends inside an element.');
      const first = this.chunks[0] as Buffer;
      const piece = first.length <= left ? first : first.subarray(0, left);
      this.drop(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  /** Everything left. */
  async *rest(): AsyncGenerator<Buffer> {
    while (this.chunks.length > 0) {
      const first = this.chunks.shift() as Buffer;
      this.buffered -= first.length;
      yield first;
    }
    for (let next = await this.input.next(); !next.done; next = await this.input.next()) yield next.value;
    this.ended = true;
  }

  private drop(n: number): void {
    let left = n;
    while (left > 0) {
      const first = this.chunks[0] as Buffer;
      if (first.length <= left) {
        this.chunks.shift();
        left -= first.length;
      } else {
        this.chunks[0] = first.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
  }

  private merge(): void {
    const all = Buffer.concat(this.chunks);
    this.chunks.length = 0;
    this.chunks.push(all);
  }
}
