import type { Readable } from 'node:stream';
import { DicomWebError, RequestAbortedError } from '../errors';
import type { FrameEvent, MultipartFramer } from './multipartFramer';

/**
 * Pulls the source one chunk at a time, only when a reader asks for the next event, so the
 * source stays paused while the consumer of a part is slow: memory holds one source chunk plus
 * what the streams' high-water marks allow, whatever the size of a part.
 *
 * Two readers share it, the generator (part starts) and the current part's body (its bytes);
 * their requests run one at a time in arrival order. The first failure is kept, every later
 * request gets it, and the source is destroyed at once.
 */
export class MultipartPump {
  private chunks: AsyncIterator<unknown> | undefined;
  private events: Iterator<FrameEvent> = [][Symbol.iterator]();
  private inputEnded = false;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | undefined;
  /** The index of the part whose bytes are being read, undefined between parts. */
  private openPart: number | undefined;
  private partCount = 0;

  constructor(
    private readonly source: Readable,
    private readonly framer: MultipartFramer,
  ) {}

  /**
   * The headers and index of the next part, or undefined after the closing delimiter (once the
   * epilogue has been read). What is left of the current part is skipped.
   */
  nextPart(): Promise<{ headers: Map<string, string>; index: number } | undefined> {
    return this.serialize(async () => {
      for (;;) {
        const event = await this.step();
        if (event.kind === 'part') return { headers: event.headers, index: this.partCount - 1 };
        if (event.kind === 'end') return undefined;
      }
    });
  }

  /** The next bytes of part `index`, or undefined once it has ended (or another part is current). */
  readBody(index: number): Promise<Buffer | undefined> {
    return this.serialize(async () => {
      if (this.openPart !== index) return undefined;
      const event = await this.step();
      if (event.kind === 'data') return event.bytes;
      if (event.kind === 'partEnd') return undefined;
      // The framer always closes a part before it opens another or ends.
      throw new Error(`Unexpected multipart event ${event.kind} inside a part.`);
    });
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async step(): Promise<FrameEvent> {
    if (this.failure) throw this.failure;
    try {
      for (;;) {
        const next = this.events.next();
        if (!next.done) return this.track(next.value);
        if (this.inputEnded) return { kind: 'end' };
        const chunk = await this.read();
        if (chunk === undefined) {
          this.inputEnded = true;
          this.events = this.framer.end();
        } else {
          this.events = this.framer.push(chunk);
        }
      }
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.source.destroy();
      throw this.failure;
    }
  }

  private track(event: FrameEvent): FrameEvent {
    if (event.kind === 'part') {
      this.openPart = this.partCount;
      this.partCount += 1;
    } else if (event.kind === 'partEnd') {
      this.openPart = undefined;
    }
    return event;
  }

  /** The next source chunk as a Buffer, or undefined at its end. */
  private async read(): Promise<Buffer | undefined> {
    // Created on first use: an iterator starts the source flowing into its buffer.
    this.chunks ??= this.source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
    let next: IteratorResult<unknown>;
    try {
      next = await this.chunks.next();
    } catch (error) {
      // Our own errors (a byte limit upstream: 413) pass through; anything else means the
      // client went away or the connection broke.
      if (error instanceof DicomWebError) throw error;
      throw new RequestAbortedError('The request body could not be read to its end.', { cause: error });
    }
    if (next.done) return undefined;
    return asBuffer(next.value);
  }
}

/** Readable.fromWeb (the Functions host's request body) yields Uint8Arrays, not Buffers. */
function asBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('A multipart body must be a byte stream (no setEncoding).');
}
