/**
 * Lends the storage-call recorder the bodies of table requests: the partition of an insert, and
 * the operations of a batch, are only in the body, which Node's diagnostics channels publish too
 * late to see. A pipeline policy (the SDK's extension point) keeps each body by its client request
 * id while a recorder listens, and does nothing otherwise.
 */
import type { TableServiceClientOptions } from '@azure/data-tables';

type AdditionalPolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number];

const REQUEST_ID_HEADER = 'x-ms-client-request-id';
/** A batch's request lines and the first entity are within this many characters. */
const MAX_KEPT_CHARS = 256 * 1024;
/** Bodies nobody took (a request that never reached the wire) are dropped past this many. */
const MAX_KEPT_BODIES = 1000;

const bodies = new Map<string, string>();
let listeners = 0;

export const tableBodyPolicy: AdditionalPolicy = {
  position: 'perRetry',
  policy: {
    name: 'dicomwebTableBodies',
    sendRequest(request, next) {
      if (listeners > 0 && typeof request.body === 'string') {
        if (bodies.size >= MAX_KEPT_BODIES) bodies.clear();
        const id = request.headers.get(REQUEST_ID_HEADER) ?? request.requestId;
        bodies.set(id, request.body.slice(0, MAX_KEPT_CHARS));
      }
      return next(request);
    },
  },
};

/** Starts keeping bodies; returns the function that stops. */
export function keepTableBodies(): () => void {
  listeners += 1;
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    listeners -= 1;
    if (listeners === 0) bodies.clear();
  };
}

/** The kept body of the request with this client request id, once. */
export function takeTableBody(requestId: string | undefined): string | undefined {
  if (requestId === undefined) return undefined;
  const body = bodies.get(requestId);
  bodies.delete(requestId);
  return body;
}

export { REQUEST_ID_HEADER };
