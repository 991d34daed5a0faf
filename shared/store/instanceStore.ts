import { setImmediate } from 'node:timers/promises';
import type { ApiVersion } from '../http/apiVersion';
import { changeFeed } from '../changefeed/changeFeedWriter';
import { findEvent } from '../changefeed/feedEventLookup';
import { DicomParseError } from '../dicom/dicomParseError';
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { getString } from '../dicom/dicomJson';
import { Part10StreamParser, type ParsedInstance } from '../dicom/part10StreamParser';
import { Tag } from '../dicom/tags';
import { validateInstance } from '../dicom/validation';
import { DicomWebError } from '../errors';
import { fileBlobName, framesBlobName, metadataBlobName, versionPrefix, type InstanceKey } from '../storage/blobLayout';
import { deleteBlobsWithPrefix, uploadStreamToBlob, uploadTextBlob } from '../storage/blobUpload';
import { deleteInstanceEntity } from '../storage/instanceRecords';
import { indexInstance, unindexInstance } from '../search/instanceIndex';
import { indexExtendedTags } from '../extendedQueryTags/storeIndexing';
import type { SummaryInstanceRow } from '../search/studySummary';
import { FailureReason } from './failureReasons';
import { instanceProperties } from './instanceProjection';
import { LeaseKeeper } from './leaseKeeper';
import { reserveForStore } from './reservation';
import { completeReplacement } from './replacement';
import { reserveForUpsert, type UpsertReservation } from './upsertReservation';
import { clearReplacement } from '../storage/replacementRecords';
import type { ChangeFeedAction } from '../changefeed/changeFeedEntry';
import { unknownOutcomeWindow } from './commitWindow';
import type { FailedInstance, InstanceOutcome } from './stowOutcome';
import { makeVisible } from './visibility';
import { pauseAt } from '../diagnostics/localPause';

export interface StoreInstanceOptions {
  readonly apiVersion: ApiVersion;
  /** Set for `POST /studies/{study}`: instances of other studies are refused (43265). */
  readonly requestStudyInstanceUid: string | undefined;
  readonly maxHeaderBytes: number;
  readonly leaseSeconds: number;
  readonly log: (message: string) => void;
  /** A fresh version for this attempt: the request's own, numbered (shared/storage/blobLayout.ts). */
  readonly attemptVersion: () => string;
  /**
   * Resolves once a pending marker covering this request's attempts in the study is in place
   * (shared/store/requestMarkers.ts); the upload cannot complete before.
   */
  readonly markerFor: (studyInstanceUid: string) => Promise<void>;
  /** The attempt left work for recovery (clean-up deferred, or a commit not made visible): keep the marker. */
  readonly keepMarker: (studyInstanceUid: string) => void;
  /**
   * The instance just became visible: the caller brings its study's search summary up to date,
   * merging in what a summary needs of it.
   */
  readonly onVisible: (key: InstanceKey, summaryRow: SummaryInstanceRow) => void;
  /**
   * Resolves when the instance, uploaded and indexed, may commit: the request holds commits back
   * briefly so that its instances commit together (shared/store/commitGroup.ts).
   */
  readonly commitGate?: (heldBytes: number) => Promise<void>;
  /** PUT (upsert): a visible instance is replaced instead of refused with 45070 (docs/lifecycle.md). */
  readonly upsert?: boolean;
  /**
   * A PUT replaced a visible instance: `replacedVersion`'s blobs are the caller's to remove after
   * the answer; not called when the replaced version is the original a bulk update keeps.
   */
  readonly onReplaced?: (key: InstanceKey, replacedVersion: string) => void;
}

const PREAMBLE_BYTES = 128;

/** The failure of a part that holds no bytes at all (but has headers, so it was meant as one). */
export function emptyPartFailure(): FailedInstance {
  return failed(FailureReason.ValidationFailed, {}, 'The part is empty.');
}

/**
 * Stores one DICOM file read from `source` (a multipart part or a whole application/dicom body).
 *
 * The file streams through the parser into Blob Storage; only its first bytes are held, until
 * the identifying UIDs have been seen, so an invalid instance is refused before anything is
 * written, and a duplicate as soon as its reservation is refused. The order of writes is what
 * makes a store atomic (docs/consistency.md): pending marker, reservation and blob, change-feed
 * commit, then the instance entity that makes it visible.
 *
 * An empty source gives undefined (whether that is a failure depends on the request's framing).
 * Client mistakes become a FailedInstance; errors of the request itself (broken multipart,
 * client gone, storage down) are thrown after this attempt's data has been cleaned up.
 */
export async function storeInstance(
  source: AsyncIterable<Buffer>,
  options: StoreInstanceOptions,
): Promise<InstanceOutcome | undefined> {
  const input = source[Symbol.asyncIterator]();
  const parser = new Part10StreamParser();
  const head: Buffer[] = [];
  let headBytes = 0;
  let parsed: ParsedInstance | undefined;

  try {
    while (!parser.identifiersComplete) {
      const next = await input.next();
      if (next.done) {
        if (headBytes === 0) return undefined;
        parsed = parser.end();
        break;
      }
      head.push(next.value);
      headBytes += next.value.length;
      parser.write(next.value);
      if (!parser.identifiersComplete && headBytes > options.maxHeaderBytes) {
        return await failAndDrain(
          input,
          FailureReason.ValidationFailed,
          parser.dataset,
          `The identifying attributes were not found in the first ${options.maxHeaderBytes} bytes.`,
        );
      }
    }
  } catch (error) {
    if (error instanceof DicomParseError) {
      return failAndDrain(
        input,
        FailureReason.ValidationFailed,
        parser.dataset,
        `Not a valid DICOM file: ${error.message}`,
      );
    }
    throw error;
  }

  const dataset = parsed?.dataset ?? parser.dataset;
  const required = validateInstance(dataset, options.apiVersion).requiredFailures;
  if (required.length > 0) return failAndDrain(input, FailureReason.ValidationFailed, dataset, ...required);
  const key = instanceKeyFromDataset(dataset);
  if (options.requestStudyInstanceUid !== undefined && key.studyInstanceUid !== options.requestStudyInstanceUid) {
    return failAndDrain(
      input,
      FailureReason.StudyInstanceUidMismatch,
      dataset,
      `The instance belongs to study ${key.studyInstanceUid}, not to ${options.requestStudyInstanceUid} named in the request.`,
    );
  }

  const version = options.attemptVersion();
  const marker = options.markerFor(key.studyInstanceUid);
  const reservation: Promise<UpsertReservation> = options.upsert
    ? reserveForUpsert(key, version, options.leaseSeconds, options.log)
    : reserveForStore(key, version, options.leaseSeconds, options.log);
  // The upload starts at once, hidden behind the reservation's round trip. It cannot complete
  // before the request's marker and the reservation exist, so a crash never leaves a blob that
  // recovery cannot find (the marker leads to the reservation, which names the version).
  const stopUpload = new AbortController();
  const gate = uploadGate(marker, reservation);
  gate.catch(() => undefined); // an upload stopped before it reaches the gate never awaits it
  const upload = uploadStreamToBlob(
    fileBlobName(key, version),
    continueThroughParser(head, input, parser, parsed === undefined, gate, stopUpload.signal),
    'application/dicom',
    stopUpload.signal,
  );
  upload.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled

  let reserved: UpsertReservation;
  try {
    reserved = await reservation;
  } catch (error) {
    await cancelUpload(stopUpload, upload, key, version, options.log);
    throw error;
  }
  if (reserved.kind === 'repaired') {
    // An interrupted earlier store of this instance is complete now: success, with its bytes.
    await cancelUpload(stopUpload, upload, key, version, options.log);
    await drain(input);
    return {
      kind: 'stored',
      ...key,
      sopClassUid: reserved.sopClassUid ?? getString(dataset, Tag.SOPClassUID) ?? '',
      warnings: [],
    };
  }
  if (reserved.kind !== 'reserved' && reserved.kind !== 'replacing') {
    await cancelUpload(stopUpload, upload, key, version, options.log);
    const reason =
      reserved.kind === 'exists' ? FailureReason.InstanceAlreadyExists : FailureReason.InstanceBeingProcessed;
    const message =
      reserved.kind === 'exists'
        ? 'An instance with the same study, series and SOP instance UIDs is already stored; delete it first to replace it.'
        : 'The same instance is being stored or deleted by another request; try again later.';
    return failAndDrain(input, reason, dataset, message);
  }

  const lease = new LeaseKeeper(key, reserved.etag, options.leaseSeconds, reserved.leaseUntil);
  /** The version a PUT replaces: it stays visible, and indexed, until the new one is committed. */
  const replacing = reserved.kind === 'replacing' ? reserved.replacedVersion : undefined;
  const carried = reserved.kind === 'replacing' ? reserved.carried : {};
  // Before the instance is visible, so a visible instance is always found by its SOP Instance UID;
  // started now, the instance being ours, so its round trip hides behind the upload's.
  const indexed = replacing === undefined ? indexInstance(key, version) : Promise.resolve();
  indexed.catch(() => undefined); // awaited below; an upload that fails first must not leave it unhandled
  let committed = false;
  try {
    const fileSize = await upload;
    parsed ??= parser.end();
    const validation = validateInstance(parsed.dataset, options.apiVersion);
    if (options.apiVersion === 'v1' && validation.attributeFailures.length > 0) {
      await abandon(key, version, lease, indexed, replacing, options);
      return failed(
        FailureReason.ValidationFailed,
        parsed.dataset,
        ...validation.attributeFailures.map((f) => f.message),
      );
    }
    // Building the frame index (end) and serialising it and the metadata are each tens of ms for
    // the largest instances: a turn between them keeps the event loop answering.
    await setImmediate();
    const { properties, framesForBlob, metadataForBlob } = instanceProperties({
      dataset: parsed.dataset,
      transferSyntaxUid: parsed.transferSyntaxUid,
      frames: parsed.frames,
      fileSize,
    });
    // And one before the uploads, whose first step encodes the metadata document (up to 64 MiB) as UTF-8.
    await setImmediate();
    await Promise.all([
      indexed,
      // Extended query tags, before the instance is visible (docs/extended-query-tags.md).
      indexExtendedTags(parsed.dataset, key),
      metadataForBlob === undefined
        ? Promise.resolve()
        : uploadTextBlob(metadataBlobName(key, version), metadataForBlob, 'application/dicom+json'),
      framesForBlob === undefined
        ? Promise.resolve()
        : uploadTextBlob(framesBlobName(key, version), framesForBlob, 'application/json'),
    ]);
    // What this instance keeps in memory while it waits: about its decoded metadata and frame index.
    const held = (metadataForBlob?.length ?? 0) + (framesForBlob?.length ?? 0) + JSON.stringify(properties).length;
    await options.commitGate?.(held);
    if (lease.lost) throw new Error('The reservation was lost while the instance was uploaded.', { cause: lease.lost });

    if (replacing !== undefined) {
      await pauseAt('upsert-before-commit');
      await lease.renewNow();
    }
    const event = await commitEvent(replacing === undefined ? 'create' : 'update', key, version);
    committed = true;
    if (replacing !== undefined) await pauseAt('upsert-after-commit');
    await lease.stop();
    const visibleProperties = { ...properties, ...carried, Sequence: event.sequence, StoredAt: event.timestamp };
    if (replacing === undefined) await makeVisible(key, lease.etag, version, visibleProperties);
    else {
      await completeReplacement(key, lease.etag, version, replacing, visibleProperties);
      if (replacing !== carried.OriginalVersion) options.onReplaced?.(key, replacing);
    }
    options.onVisible(key, {
      SeriesInstanceUID: key.seriesInstanceUid,
      Sequence: event.sequence,
      QidoAttributes: String(properties.QidoAttributes),
    });
    return {
      kind: 'stored',
      ...key,
      sopClassUid: getString(parsed.dataset, Tag.SOPClassUID) ?? '',
      warnings: options.apiVersion === 'v2' ? validation.attributeFailures.map((f) => f.message) : [],
    };
  } catch (error) {
    if (committed) {
      // The store happened; recovery finishes making it visible.
      options.keepMarker(key.studyInstanceUid);
      throw error;
    }
    await abandon(key, version, lease, indexed, replacing, options);
    if (error instanceof DicomParseError) {
      return failAndDrain(input, FailureReason.ValidationFailed, dataset, `Not a valid DICOM file: ${error.message}`);
    }
    if (error instanceof DicomWebError) throw error; // the request itself is broken
    options.log(`Store of ${key.sopInstanceUid} failed: ${String(error)}`);
    return failAndDrain(
      input,
      FailureReason.ProcessingFailure,
      dataset,
      'The instance could not be stored; try again.',
    );
  } finally {
    await lease.stop();
  }
}

/**
 * Yields the bytes already read (preamble zeroed), then the rest, feeding each chunk to the
 * parser. It ends only once `gate` has resolved, and fails (failing the upload) when stopped.
 */
async function* continueThroughParser(
  head: Buffer[],
  input: AsyncIterator<Buffer>,
  parser: Part10StreamParser,
  parseRest: boolean,
  gate: Promise<unknown>,
  stop: AbortSignal,
): AsyncGenerator<Buffer> {
  let zeroed = 0;
  for (const chunk of head) {
    if (zeroed < PREAMBLE_BYTES) {
      const copy = Buffer.from(chunk);
      const n = Math.min(PREAMBLE_BYTES - zeroed, copy.length);
      copy.fill(0, 0, n);
      zeroed += n;
      yield copy;
    } else {
      yield chunk;
    }
  }
  head.length = 0;
  if (parseRest) {
    for (let next = await input.next(); !next.done; next = await input.next()) {
      stop.throwIfAborted();
      parser.write(next.value);
      yield next.value;
    }
  }
  await gate;
  stop.throwIfAborted();
}

/**
 * Lets the upload complete only once the request's marker exists and the reservation is ours: a
 * refused attempt's upload fails before it leaves a blob (only staged blocks, which Blob Storage
 * discards by itself).
 */
async function uploadGate(marker: Promise<void>, reservation: Promise<UpsertReservation>): Promise<void> {
  const [, reserved] = await Promise.all([marker, reservation]);
  if (reserved.kind !== 'reserved' && reserved.kind !== 'replacing')
    throw new Error(`The reservation was refused (${reserved.kind}).`);
}

/** Stops an upload whose reservation failed and removes whatever it wrote. */
async function cancelUpload(
  stop: AbortController,
  upload: Promise<number>,
  key: InstanceKey,
  version: string,
  log: (message: string) => void,
): Promise<void> {
  stop.abort();
  await upload.catch(() => undefined);
  try {
    await deleteBlobsWithPrefix(versionPrefix(key, version));
  } catch (error) {
    log(`Clean-up of refused store ${key.sopInstanceUid}/${version} left for the sweeper: ${String(error)}`);
  }
}

/** Commits the create (update) to the change feed; if the outcome is unknown, asks the feed whether it happened. */
async function commitEvent(action: ChangeFeedAction, key: InstanceKey, version: string) {
  try {
    return await changeFeed().append({ action, ...key, version });
  } catch (error) {
    const found = await findEvent(action, version, unknownOutcomeWindow(version)).catch(() => undefined);
    if (found) return found;
    throw error;
  }
}

/**
 * Undoes an attempt that did not commit: its blobs, its reservation, and its SOP Instance UID index
 * entry (written as soon as the reservation was ours; removed only while it names this attempt).
 * If any of them fails, the request's marker stays, and recovery finishes the clean-up.
 */
async function abandon(
  key: InstanceKey,
  version: string,
  lease: LeaseKeeper,
  indexed: Promise<void>,
  replacing: string | undefined,
  options: StoreInstanceOptions,
) {
  await lease.stop();
  await indexed.catch(() => undefined);
  // Each step on its own: releasing the reservation matters most (it unlocks the instance for a
  // retry), and must not wait on blob clean-up that may be what is failing. A PUT that replaced
  // nothing yet gives up its claim and leaves the visible instance (and its index entry) alone.
  const steps = await Promise.allSettled(
    replacing === undefined
      ? [
          deleteInstanceEntity(key, lease.etag),
          deleteBlobsWithPrefix(versionPrefix(key, version)),
          unindexInstance(key, version),
        ]
      : [clearReplacement(key, lease.etag), deleteBlobsWithPrefix(versionPrefix(key, version))],
  );
  const failures = steps.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length === 0) return;
  options.keepMarker(key.studyInstanceUid);
  const reasons = failures.map((f) => String(f.reason)).join('; ');
  options.log(`Clean-up of abandoned store ${key.sopInstanceUid}/${version} deferred: ${reasons}`);
}

function instanceKeyFromDataset(dataset: DicomJsonDataset): InstanceKey {
  return {
    studyInstanceUid: getString(dataset, Tag.StudyInstanceUID) ?? '',
    seriesInstanceUid: getString(dataset, Tag.SeriesInstanceUID) ?? '',
    sopInstanceUid: getString(dataset, Tag.SOPInstanceUID) ?? '',
  };
}

function failed(reason: FailedInstance['reason'], dataset: DicomJsonDataset, ...messages: string[]): FailedInstance {
  return {
    kind: 'failed',
    reason,
    sopClassUid: getString(dataset, Tag.SOPClassUID),
    sopInstanceUid: getString(dataset, Tag.SOPInstanceUID),
    messages,
  };
}

/** Reads the rest of the part without keeping it, so the next part can be reached. */
async function failAndDrain(
  input: AsyncIterator<Buffer>,
  reason: FailedInstance['reason'],
  dataset: DicomJsonDataset,
  ...messages: string[]
): Promise<FailedInstance> {
  await drain(input);
  return failed(reason, dataset, ...messages);
}

/** Reads the rest of the part without keeping it. */
async function drain(input: AsyncIterator<Buffer>): Promise<void> {
  for (let next = await input.next(); !next.done; next = await input.next()) {
    // discard
  }
}
