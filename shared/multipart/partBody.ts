import { Readable } from 'node:stream';
import type { MultipartPump } from './multipartPump';

/**
 * The body of one part: a Readable that asks the pump for bytes only when its own buffer has
 * room, which is what keeps the request paused while the consumer is slow. A framing or source
 * failure met while reading destroys it with that error.
 */
export class PartBody extends Readable {
  constructor(
    private readonly pump: MultipartPump,
    private readonly index: number,
  ) {
    super();
  }

  override _read(): void {
    // Readable calls _read again only after a push, so one request is in flight at a time.
    this.pump.readBody(this.index).then(
      (bytes) => {
        this.push(bytes ?? null);
      },
      (error: unknown) => {
        this.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}
