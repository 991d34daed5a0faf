import { Readable, Transform, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { getConfig } from '../config';
import { NotAcceptableError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors';
import type { ApiVersion } from '../http/apiVersion';
import { acceptsMediaType, parseMediaType } from '../http/negotiation';
import { withEventLoopTurns } from '../http/eventLoopTurns';
import { boundaryFromContentType, readMultipart } from '../multipart/multipartReader';
import { ensureStorage } from '../storage/provision';
import { asServiceUnavailable } from '../storage/storageErrors';
import { refreshStudy, refreshStudyAdding } from '../search/summaryRefresh';
import { deleteBlobsWithPrefix } from '../storage/blobUpload';
import type { SummaryInstanceRow } from '../search/studySummary';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { attemptVersion, newVersion, versionPrefix, type InstanceKey } from '../storage/blobLayout';
import { MAX_EVENTS_PER_BLOCK } from '../changefeed/changeFeedEntry';
import { CommitGroup } from './commitGroup';
import { RequestMarkers } from './requestMarkers';
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
  /** PUT: replaces visible instances instead of refusing them with 45070 (docs/lifecycle.md). */
  readonly upsert?: boolean;
  /** Bulk import: its own byte limit instead of DICOM_MAX_REQUEST_BYTES (docs/import.md). */
  readonly maxBytes?: number;
  /** Bulk import: each part's outcome, in the parts' order, before the response is built. */
  readonly onOutcomes?: (outcomes: readonly InstanceOutcome[]) => void;
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
  const { maxHeaderBytes, maxParts, leaseSeconds } = getConfig().store;
  const maxRequestBytes = request.maxBytes ?? getConfig().store.maxRequestBytes;
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
  /** The instances made visible, by study: what each study's search summary must take in. */
  const visible = new Map<string, SummaryInstanceRow[]>();
  /** Versions a PUT replaced: removed after the answer (readers may still be on them), before the markers. */
  const replaced: ReplacedVersion[] = [];
  const requestVersion = newVersion();
  let attempts = 0;
  // Rewritten well before a lease has passed: the sweeper settles only markers older than a lease.
  const markers = new RequestMarkers(requestVersion, (leaseSeconds * 1000) / 3);
  const options: StoreInstanceOptions = {
    apiVersion: request.apiVersion,
    requestStudyInstanceUid: request.studyInstanceUid,
    maxHeaderBytes,
    leaseSeconds,
    log: request.log,
    attemptVersion: () => attemptVersion(requestVersion, attempts++),
    markerFor: (study) => markers.ensure(study),
    keepMarker: (study) => markers.keep(study),
    upsert: request.upsert,
    onReplaced: (key, version) => replaced.push({ key, version }),
    onVisible: (key, row) => {
      const rows = visible.get(key.studyInstanceUid);
      if (rows) rows.push(row);
      else visible.set(key.studyInstanceUid, [row]);
    },
  };
  // Converted only now: a request refused above leaves its body untouched for the host to discard.
  const source = request.body ? Readable.fromWeb(request.body) : Readable.from([]);
  const body = new ByteLimit(maxRequestBytes);
  // The source's errors (client gone) fail the request where `body` is read.
  source.on('error', (error) => body.destroy(error));
  source.pipe(body);
  // Parts are read one after the other; each one's store goes on (waiting to commit with the
  // next ones) while the following part is read, and outcomes keep the parts' order.
  const commits = new CommitGroup(MAX_COMMIT_GROUP, COMMIT_WAIT_MS, COMMIT_GROUP_BYTES);
  const stores: Promise<InstanceOutcome | undefined>[] = [];
  const headerlessParts = new Set<number>();
  const unsettled = new Set<Promise<void>>();
  const storeBody = async (partBody: Readable, hasHeaders: boolean) => {
    let joined = false;
    commits.enter();
    const store = storeInstance(withEventLoopTurns(partBody), {
      ...options,
      commitGate: (bytes) => {
        joined = true;
        return commits.join(bytes);
      },
    });
    if (!hasHeaders) headerlessParts.add(stores.length);
    stores.push(store);
    const settled: Promise<void> = store
      .catch(() => undefined)
      .then(() => {
        unsettled.delete(settled);
        // A store that ended without reaching its commit must not keep the others waiting.
        if (!joined) commits.leave();
      });
    unsettled.add(settled);
    // On to the next part once this one's bytes are read (or its store has ended early), and once
    // few enough earlier stores are still committing: slow storage must not let them pile up.
    await Promise.race([settled, finished(partBody).catch(() => undefined)]);
    while (unsettled.size >= MAX_STORES_IN_FLIGHT) await Promise.race(unsettled);
  };
  let failure: { error: unknown } | undefined;
  try {
    if (boundary === undefined) {
      // A single application/dicom body is one instance; an empty one is an empty request (204).
      await storeBody(body, false);
    } else {
      for await (const part of readMultipart(body, boundary, { maxParts })) {
        await storeBody(part.body, part.headers.size > 0);
      }
    }
  } catch (error) {
    failure = { error };
  }
  // Parts already read still commit: what a broken request stored before it broke stays stored.
  commits.close();
  const settled = await Promise.allSettled(stores);
  const outcomes: InstanceOutcome[] = [];
  settled.forEach((result, i) => {
    if (result.status === 'rejected') {
      failure ??= { error: result.reason };
      // Whatever the failed store left is recovery's: every marker of the request stays.
      for (const study of markers.studies()) markers.keep(study);
    }
    // .NET's MultipartContent with no content sends one part with no headers and no bytes:
    // that is an empty request, not a failed instance.
    else if (result.value) outcomes.push(result.value);
    else if (boundary !== undefined && !headerlessParts.has(i)) outcomes.push(emptyPartFailure());
  });
  discardRest(source, body);
  // Also after a failed request: what became visible must be searchable.
  await refreshSearch(visible, replaced, markers, request.log);
  if (failure) throw asServiceUnavailable(failure.error, 'store');
  request.onOutcomes?.(outcomes);
  return buildStowResponse(outcomes, {
    versionBaseUrl: request.versionBaseUrl,
    requestStudyInstanceUid: request.studyInstanceUid,
  });
}

/**
 * How long the pending markers of a request outlive its answer. A crash before they are gone
 * makes recovery treat its stores as unanswered, so that a re-store of them answers success
 * (docs/consistency.md); removing them only once the answer is on its way keeps a crash between
 * their removal and the client receiving the answer from turning its retry into a 45070.
 */
const MARKER_GRACE_MS = 2000;
/** Instances committed in one change-feed transaction at most (its block's limit). */
const MAX_COMMIT_GROUP = MAX_EVENTS_PER_BLOCK;
/** How long an uploaded instance waits for others to commit with: a fraction of any lease. */
const COMMIT_WAIT_MS = 2000;
/** Stores of one request between their part's last byte and their outcome: two commit groups. */
const MAX_STORES_IN_FLIGHT = 2 * MAX_COMMIT_GROUP;
const STUDY_REFRESH_CONCURRENCY = 4;
/**
 * Decoded metadata the waiting instances may hold between them before they commit: about a
 * hundred typical instances, or one of the largest (which then commits alone, as before).
 */
const COMMIT_GROUP_BYTES = 8 * 1024 * 1024;

/**
 * Brings the search summaries of the studies that received instances up to date (once per study,
 * not per instance), then, after the answer, drops the request's pending markers. A failure
 * leaves the markers, and recovery refreshes those studies later; the instances are stored either
 * way, so the request succeeds.
 */
async function refreshSearch(
  studies: ReadonlyMap<string, readonly SummaryInstanceRow[]>,
  replaced: readonly ReplacedVersion[],
  markers: RequestMarkers,
  log: (m: string) => void,
) {
  // A replaced instance changes its study's counts and attributes in ways a merge cannot take in.
  const recomputed = new Set(replaced.map((r) => r.key.studyInstanceUid));
  if (studies.size > 0) {
    try {
      await mapConcurrently([...studies], STUDY_REFRESH_CONCURRENCY, ([study, rows]) =>
        recomputed.has(study) ? refreshStudy(study) : refreshStudyAdding(study, rows),
      );
    } catch (error) {
      log(`Search summaries of stored studies left for the sweeper: ${String(error)}`);
      return;
    }
  }
  // Not awaited: a marker left behind only costs recovery one more look.
  // The invocation is over by then: its context's logger would only warn of a late call, so the
  // worker's console (which the Functions worker forwards to the host's log) takes the messages.
  setTimeout(
    () => void removeReplaced(replaced, markers).then(() => markers.removeAll(console.warn)),
    MARKER_GRACE_MS,
  ).unref();
}

interface ReplacedVersion {
  readonly key: InstanceKey;
  readonly version: string;
}

/**
 * Deletes the blobs of the versions PUTs replaced, a grace period after the answer: a retrieve that
 * read the entity just before the swap may still be streaming them. A failure keeps the study's
 * marker, and recovery deletes them (shared/store/replacement.ts).
 */
async function removeReplaced(replaced: readonly ReplacedVersion[], markers: RequestMarkers): Promise<void> {
  await mapConcurrently([...replaced], STUDY_REFRESH_CONCURRENCY, async ({ key, version }) => {
    try {
      await deleteBlobsWithPrefix(versionPrefix(key, version));
    } catch (error) {
      markers.keep(key.studyInstanceUid);
      console.warn(`Blobs of replaced version ${versionPrefix(key, version)} left for recovery: ${String(error)}`);
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
  'Send the instances in several requests, each under the limit; a single instance larger than the limit can be imported instead by writing it to the bulk import container (see docs/import.md and docs/limits.md).';

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
