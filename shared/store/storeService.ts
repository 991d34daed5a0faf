import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { getConfig } from '../config';
import { NotAcceptableError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';
import type { ApiVersion } from '../http/apiVersion';
import { acceptsMediaType, parseMediaType } from '../http/negotiation';
import { withEventLoopTurns } from '../http/eventLoopTurns';
import { boundaryFromContentType, readMultipart } from '../multipart/multipartReader';
import { ensureStorage } from '../storage/provision';
import { asServiceUnavailable } from '../storage/storageErrors';
import { refreshStudies } from '../search/summaryRefresh';
import type { InstanceKey } from '../storage/blobLayout';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { deletePendingMarkerIfUnchanged } from '../storage/instanceRecords';
import { emptyPartFailure, storeInstance, type StoreInstanceOptions } from './instanceStore';
import type { InstanceOutcome } from './stowOutcome';
import { buildStowResponse, type StowResponse } from './stowResponse';

export interface StowRequest {
  /** The request body as the Functions library hands it over; read only once the request is accepted. */
  readonly body: WebReadableStream<Uint8Array> | null;
  readonly contentType: string | null;
  readonly contentLength: string | null;
  readonly accept: string | null;
  readonly apiVersion: ApiVersion;
  /** Origin plus version, e.g. `http://localhost:7071/v2`. */
  readonly versionBaseUrl: string;
  readonly studyInstanceUid: string | undefined;
  readonly log: (message: string) => void;
}

const DICOM_JSON = 'application/dicom+json';
const APPLICATION_DICOM = 'application/dicom';

/**
 * STOW-RS (PS3.18 10.5): stores every DICOM file of the request, one part at a time as it
 * streams in, and describes each outcome in the response dataset.
 */
export async function storeInstances(request: StowRequest): Promise<StowResponse> {
  if (!acceptsMediaType(request.accept, DICOM_JSON)) {
    throw new NotAcceptableError(`STOW-RS responds with ${DICOM_JSON}; the Accept header does not allow it.`);
  }
  const { maxRequestBytes, maxHeaderBytes, maxParts, leaseSeconds } = getConfig().store;
  const mediaType = request.contentType ? parseMediaType(request.contentType) : undefined;
  if (!mediaType) {
    throw new UnsupportedMediaTypeError(
      `Content-Type must be multipart/related; type="${APPLICATION_DICOM}" or ${APPLICATION_DICOM}.`,
    );
  }
  const isMultipart = mediaType.essence === 'multipart/related';
  if (!isMultipart && mediaType.essence !== APPLICATION_DICOM) {
    throw new UnsupportedMediaTypeError(
      `Content-Type ${mediaType.essence} is not supported; send multipart/related; type="${APPLICATION_DICOM}" or ${APPLICATION_DICOM}.`,
    );
  }
  const partType = mediaType.params.get('type');
  if (isMultipart && partType !== undefined && partType.toLowerCase() !== APPLICATION_DICOM) {
    throw new UnsupportedMediaTypeError(`multipart/related parts of type ${partType} are not supported.`);
  }
  const declaredLength = request.contentLength ? Number(request.contentLength) : undefined;
  if (declaredLength !== undefined && declaredLength > maxRequestBytes) {
    throw new PayloadTooLargeError(
      `The request is ${declaredLength} bytes; the limit is ${maxRequestBytes} bytes. ${SPLIT_ADVICE}`,
    );
  }
  const boundary = isMultipart ? boundaryFromContentType(mediaType) : undefined;

  await ensureStorage();
  const visible: VisibleInstance[] = [];
  const options: StoreInstanceOptions = {
    apiVersion: request.apiVersion,
    requestStudyInstanceUid: request.studyInstanceUid,
    maxHeaderBytes,
    leaseSeconds,
    log: request.log,
    onVisible: (key, version, markerEtag) => visible.push({ key, version, markerEtag }),
  };
  // Converted only now: a request refused above leaves its body untouched for the host to discard.
  const source = request.body ? Readable.fromWeb(request.body) : Readable.from([]);
  const body = new ByteLimit(maxRequestBytes);
  // The source's errors (client gone) fail the request where `body` is read.
  source.on('error', (error) => body.destroy(error));
  source.pipe(body);
  const outcomes: InstanceOutcome[] = [];
  try {
    if (boundary === undefined) {
      // A single application/dicom body is one instance; an empty one is an empty request (204).
      const outcome = await storeInstance(withEventLoopTurns(body), options);
      if (outcome) outcomes.push(outcome);
    } else {
      for await (const part of readMultipart(body, boundary, { maxParts })) {
        const outcome = await storeInstance(withEventLoopTurns(part.body), options);
        // .NET's MultipartContent with no content sends one part with no headers and no bytes:
        // that is an empty request, not a failed instance.
        if (outcome) outcomes.push(outcome);
        else if (part.headers.size > 0) outcomes.push(emptyPartFailure());
      }
    }
  } catch (error) {
    throw asServiceUnavailable(error, 'store');
  } finally {
    discardRest(source, body);
    // Also after a failed request: what became visible must be searchable.
    await refreshSearch(visible, request.log);
  }
  return buildStowResponse(outcomes, {
    versionBaseUrl: request.versionBaseUrl,
    requestStudyInstanceUid: request.studyInstanceUid,
  });
}

interface VisibleInstance {
  readonly key: InstanceKey;
  readonly version: string;
  readonly markerEtag: string;
}

/**
 * How long the pending markers of a request's stores outlive its answer. A crash before they are
 * gone makes recovery treat those stores as unanswered, so that a re-store of them answers
 * success (docs/consistency.md); removing them only once the answer is on its way keeps a crash
 * between their removal and the client receiving the answer from turning its retry into a 45070.
 */
const MARKER_GRACE_MS = 2000;
const MARKER_DELETE_CONCURRENCY = 8;

/**
 * Brings the search summaries of the stored instances' studies up to date (once per study, not
 * per instance), then, after the answer, drops their pending markers. A failure leaves the
 * markers, and recovery refreshes those studies later; the instances are stored either way, so
 * the request succeeds.
 */
async function refreshSearch(visible: readonly VisibleInstance[], log: (m: string) => void) {
  if (visible.length === 0) return;
  try {
    await refreshStudies(visible.map((v) => v.key.studyInstanceUid));
  } catch (error) {
    log(`Search summaries of stored studies left for the sweeper: ${String(error)}`);
    return;
  }
  // Not awaited: a marker left behind only costs recovery one more refresh.
  // The invocation is over by then: its context's logger would only warn of a late call, so the
  // worker's console (which the Functions worker forwards to the host's log) takes the messages.
  setTimeout(() => void removeMarkers(visible, console.warn), MARKER_GRACE_MS).unref();
}

async function removeMarkers(visible: readonly VisibleInstance[], log: (m: string) => void): Promise<void> {
  await mapConcurrently(visible, MARKER_DELETE_CONCURRENCY, async ({ key, version, markerEtag }) => {
    try {
      await deletePendingMarkerIfUnchanged(key, version, markerEtag);
    } catch (error) {
      log(`Pending marker of ${key.sopInstanceUid} left for the sweeper: ${String(error)}`);
    }
  });
}

/**
 * Reads and drops what is left of the request body instead of cancelling it. Cancelling destroys
 * the worker's proxy connection, and with it the answer not yet sent: the host then answers 502
 * instead of our 4xx (docs/functions-host.md). The host bounds what is left: it refuses bodies
 * over its own limit, and a Content-Length body is already in its memory.
 */
function discardRest(source: Readable, body: ByteLimit): void {
  source.unpipe(body);
  body.destroy();
  if (!source.readableEnded && !source.destroyed) source.resume();
}

/** What a client over the request limit can do instead. */
const SPLIT_ADVICE =
  'Send the instances in several requests, each under the limit; a single instance larger than the limit cannot be stored through STOW-RS on this service (see docs/limits.md).';

/** Counts body bytes as they stream and fails the request once it passes the limit. */
class ByteLimit extends Transform {
  private seen = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) {
      callback(
        new PayloadTooLargeError(`The request is larger than the limit of ${this.limit} bytes. ${SPLIT_ADVICE}`),
      );
      return;
    }
    callback(null, chunk);
  }
}
