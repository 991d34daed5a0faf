/**
 * A body whose chunks are already buffered (the Functions host reads a body with a Content-Length
 * whole before the app runs) reaches the parser through promises alone: parsing a 32 MiB upload
 * then ran as one event-loop turn, and decoding its values held `/health` and every other request
 * for 200-300 ms (issue 13). This hands the chunks on in slices of at most `sliceBytes` and gives
 * the event loop a turn whenever the consumer has worked `turnEveryMs` without one. Small values:
 * concurrent uploads take their turns back to back, and a deflated slice can inflate 100 times.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

export const SLICE_BYTES = 16 * 1024;
export const TURN_EVERY_MS = 4;

export async function* withEventLoopTurns(
  source: AsyncIterable<Buffer>,
  sliceBytes = SLICE_BYTES,
  turnEveryMs = TURN_EVERY_MS,
): AsyncGenerator<Buffer> {
  let since = performance.now();
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += sliceBytes) {
      yield chunk.length <= sliceBytes ? chunk : chunk.subarray(at, at + sliceBytes);
      // The consumer's work on the slice happened between the yield and here.
      if (performance.now() - since >= turnEveryMs) {
        await nextTurn();
        since = performance.now();
      }
    }
  }
}
