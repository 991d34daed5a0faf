import type { HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { errorResponse } from '../shared/http/errorResponse';
import { prepareResponse, type PreparedResponse } from './responseBody';

interface Invocation {
  readonly method: string;
  readonly context: InvocationContext;
}

/**
 * Writes a handler's response. Streamed bodies go out chunk by chunk, waiting for 'drain', and
 * the source is destroyed (its work stops) when the client goes away. A failure before the first
 * byte becomes an error response through the shared mapping; after it, only closing the
 * connection can tell the client the body is incomplete.
 */
export async function sendResponse(res: ServerResponse, init: HttpResponseInit, invocation: Invocation): Promise<void> {
  let prepared: PreparedResponse;
  try {
    prepared = prepareResponse(init, invocation.method, invocation.context.invocationId);
  } catch (error) {
    sendError(res, error, invocation);
    return;
  }
  if (prepared.body instanceof Readable) {
    await sendStream(res, prepared, prepared.body, invocation);
    return;
  }
  if (res.destroyed) return;
  try {
    res.writeHead(prepared.status, prepared.headers);
  } catch (error) {
    // An invalid status or header value from the handler: nothing has been sent yet.
    sendError(res, error, invocation);
    return;
  }
  res.end(prepared.body);
}

async function sendStream(
  res: ServerResponse,
  prepared: PreparedResponse,
  source: Readable,
  invocation: Invocation,
): Promise<void> {
  if (res.destroyed) {
    source.destroy();
    return;
  }
  // Stops a source that is waiting for data of its own when the client disconnects.
  const onClose = (): void => {
    if (!res.writableFinished) source.destroy();
  };
  res.once('close', onClose);
  let started = false;
  try {
    const chunks: AsyncIterable<unknown> = source;
    for await (const chunk of chunks) {
      if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
        throw new TypeError(`A response body chunk must be bytes or a string, not ${typeof chunk}.`);
      }
      if (!started) {
        res.writeHead(prepared.status, prepared.headers);
        started = true;
      }
      if (!res.write(chunk)) await drainOrClose(res);
      // Leaving the loop destroys the source.
      if (res.destroyed) return;
    }
    if (!started) res.writeHead(prepared.status, prepared.headers);
    res.end();
  } catch (error) {
    if (res.destroyed) return; // the client went away; the source saw it as a premature close
    if (!started) {
      sendError(res, error, invocation);
      return;
    }
    invocation.context.error('The response body failed after the headers were sent; closing the connection:', error);
    res.destroy();
  } finally {
    res.off('close', onClose);
  }
}

function drainOrClose(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** The shared error mapping (it logs unknown errors with the invocation id); always plain bytes. */
function sendError(res: ServerResponse, error: unknown, invocation: Invocation): void {
  if (res.destroyed) return;
  const fallback = prepareResponse(
    errorResponse(error, invocation.context),
    invocation.method,
    invocation.context.invocationId,
  );
  res.writeHead(fallback.status, fallback.headers);
  res.end(fallback.body instanceof Buffer ? fallback.body : undefined);
}
