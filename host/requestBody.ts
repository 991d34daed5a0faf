import type { IncomingMessage } from 'node:http';

export interface RequestBody {
  /** What the handler reads as `request.body`: a byte stream, like the one the library builds on Azure. */
  readonly stream: ReadableStream<Uint8Array>;
  /**
   * Stops feeding the stream and throws away what is still unread, so the client's upload can
   * finish and the connection can serve its next request. Called when the handler cancels the body
   * and when the response has been sent (a handler may answer 4xx without reading everything).
   */
  discardRest(): void;
}

/**
 * The request body as a web stream that reads the socket only when the handler asks for more:
 * a chunk at a time, the socket paused otherwise, so a 4 GB upload holds only a few chunks in memory.
 */
export function requestBody(req: IncomingMessage): RequestBody {
  let controller: ReadableByteStreamController | undefined;
  let attached = false;
  let settled = false;

  const onData = (chunk: Buffer): void => {
    if (!controller) return;
    // A byte stream takes over (detaches) the memory it is given. Node's HTTP parser gives each
    // body chunk a buffer of its own, handed over as is; a chunk sharing its memory is copied.
    const { buffer } = chunk;
    const owned = buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength;
    controller.enqueue(owned ? new Uint8Array(buffer) : new Uint8Array(chunk));
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  const onEnd = (): void => {
    detach();
    settled = true;
    controller?.close();
    controller?.byobRequest?.respond(0);
  };
  const onError = (error: Error): void => {
    detach();
    settled = true;
    controller?.error(error);
  };
  const onClose = (): void => {
    if (!req.readableEnded)
      onError(new Error('The client closed the connection before the request body was complete.'));
  };
  const detach = (): void => {
    if (!attached) return;
    attached = false;
    req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
  };
  const discardRest = (): void => {
    detach();
    if (settled) return;
    settled = true;
    // A read still pending (from a reader the handler abandoned) fails instead of hanging.
    controller?.error(new Error('The request body was discarded.'));
    // With no 'data' listener left, flowing mode reads and drops the rest.
    if (!req.readableEnded && !req.destroyed) req.resume();
  };

  const stream = new ReadableStream(
    {
      type: 'bytes',
      start(c) {
        controller = c;
      },
      pull() {
        if (settled) return;
        if (!attached) {
          attached = true;
          req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
        }
        req.resume();
      },
      cancel() {
        discardRest();
      },
    },
    // Nothing is read before the handler's first read: an unread body is left to discardRest().
    { highWaterMark: 0 },
  );
  return { stream, discardRest };
}
