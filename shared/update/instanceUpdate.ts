/**
 * Updates one instance for a bulk update operation (docs/bulk-update.md): its stored file is
 * rewritten with the changed attributes and stored as a new version through PUT's replacement
 * (shared/store/instanceStore.ts): claim, upload, change-feed `update`, swap. Before the claim the
 * instance is announced (the original version to keep, the operation and attempt version), so
 * that a re-run after a crash finds an instance this operation already updated and skips it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { getConfig } from '../config';
import { openBlob } from '../retrieve/blobReads';
import { attemptVersion, fileBlobName, metadataBlobName, type InstanceKey } from '../storage/blobLayout';
import { getInstanceRecord, type InstanceEntity } from '../storage/instanceRecords';
import { announceUpdate, originalVersionOf, replacingVersionOf } from '../storage/replacementRecords';
import { uploadTextBlob } from '../storage/blobUpload';
import { settleReplacing } from '../store/replacement';
import type { RequestMarkers } from '../store/requestMarkers';
import { storeInstance } from '../store/instanceStore';
import type { AttributeChange } from './changeDataset';
import { InstanceUpdateRefused, rewriteInstanceFile } from './part10Rewrite';

export type InstanceUpdateOutcome = 'updated' | { readonly failed: string };

export interface UpdateContext {
  readonly operationId: string;
  readonly changes: readonly AttributeChange[];
  /** The step's request version: its attempts are numbered under it, its markers lead recovery to them. */
  readonly requestVersion: string;
  readonly nextAttempt: () => number;
  readonly markers: RequestMarkers;
  readonly onReplaced: (key: InstanceKey, version: string) => void;
  readonly log: (message: string) => void;
}

const MAX_ROUNDS = 4;

export async function updateInstance(key: InstanceKey, context: UpdateContext): Promise<InstanceUpdateOutcome> {
  const version = attemptVersion(context.requestVersion, context.nextAttempt());
  let current: string | undefined;
  for (let round = 1; round <= MAX_ROUNDS && current === undefined; round++) {
    const record = await getInstanceRecord(key);
    if (!record || record.entity.State !== 'created') return { failed: 'The instance is deleted or being deleted.' };
    if (record.entity.UpdateOperation === context.operationId) return 'updated';
    if (replacingVersionOf(record.entity) !== undefined) {
      // An earlier attempt (ours after a crash, or a PUT): rolled forward if it committed, else
      // back once its lease has run out (a lease is seconds long: waited for, within the step).
      if ((await settleReplacing(record)) === 'leaseHeld') {
        const until = record.entity.LeaseUntil instanceof Date ? record.entity.LeaseUntil.getTime() : 0;
        const wait = until - Date.now() + 500;
        if (wait > (getConfig().store.leaseSeconds + 1) * 1000) {
          throw new Error(`Instance ${key.sopInstanceUid} is being replaced; the step is retried.`);
        }
        await sleep(Math.max(0, wait));
      }
      continue;
    }
    if (originalVersionOf(record.entity) === undefined) await keepOriginalMetadata(key, record.entity);
    if ((await announceUpdate(record, context.operationId, version)) !== undefined) current = record.entity.Version;
  }
  if (current === undefined) throw new Error(`Instance ${key.sopInstanceUid} kept changing; the step is retried.`);

  const refusal: { error?: InstanceUpdateRefused } = {};
  const source = watchRefusal(
    rewriteInstanceFile(openBlob(fileBlobName(key, current)).chunks(), context.changes),
    refusal,
  );
  const config = getConfig().store;
  try {
    const outcome = await storeInstance(source, {
      apiVersion: 'v2',
      requestStudyInstanceUid: key.studyInstanceUid,
      maxHeaderBytes: config.maxHeaderBytes,
      leaseSeconds: config.leaseSeconds,
      log: context.log,
      attemptVersion: () => version,
      markerFor: (study) => context.markers.ensure(study),
      keepMarker: (study) => context.markers.keep(study),
      onVisible: () => undefined,
      upsert: true,
      onReplaced: context.onReplaced,
    });
    if (outcome?.kind === 'stored') return 'updated';
    return { failed: refusal.error?.message ?? outcome?.messages.join(' ') ?? 'The stored file is empty.' };
  } catch (error) {
    if (refusal.error) return { failed: refusal.error.message };
    throw error;
  }
}

/** Passes the rewritten bytes on, remembering a refusal (the store only sees a failed upload). */
async function* watchRefusal(
  source: AsyncGenerator<Buffer>,
  refusal: { error?: InstanceUpdateRefused },
): AsyncGenerator<Buffer> {
  try {
    yield* source;
  } catch (error) {
    if (error instanceof InstanceUpdateRefused) refusal.error = error;
    throw error;
  }
}

/**
 * The original version's metadata, into its own blob when the entity holds it inline: the entity
 * will hold the new version's, and `msdicom-request-original` reads the original's from the blob.
 */
async function keepOriginalMetadata(key: InstanceKey, entity: InstanceEntity): Promise<void> {
  if (entity.MetadataInBlob === true || typeof entity.Metadata !== 'string') return;
  await uploadTextBlob(metadataBlobName(key, entity.Version), entity.Metadata, 'application/dicom+json');
}
