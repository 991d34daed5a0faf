import type { IncomingMessage } from 'node:http';

/** The body went over the host's limit while it was being read. */
export class BodyTooLargeError extends Error {}

/** A whole request body held in memory, as the chunks it arrived in (no second copy). */
export interface BufferedBody {
  readonly chunks: readonly Buffer[];
  readonly length: number;
}

/**
 * Reads a whole request body into memory, as the HTTP trigger binding does before the function
 * runs (hostRules.hostBuffersBody). Rejects with BodyTooLargeError past `limit`, or with the
 * stream's error when the client leaves.
 */
export function bufferBody(req: IncomingMessage, limit: number): Promise<BufferedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > limit) {
        cleanup();
        req.resume();
        reject(new BodyTooLargeError(`The request body is over ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve({ chunks, length });
    };
    const onClose = (): void => {
      if (req.readableEnded) return;
      cleanup();
      reject(new Error('The client closed the connection before the request body was complete.'));
    };
    const cleanup = (): void => {
      req.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onClose);
    };
    req.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onClose);
  });
}
