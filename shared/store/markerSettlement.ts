import { resumeAbandonedDelete } from '../delete/deleteRecovery';
import { unindexInstance } from '../search/instanceIndex';
import { refreshStudy } from '../search/summaryRefresh';
import { versionPrefix } from '../storage/blobLayout';
import { deleteBlobsWithPrefix } from '../storage/blobUpload';
import {
  deleteInstanceEntity,
  deletePendingMarkerIfUnchanged,
  deleteRequestMarker,
  getInstanceRecord,
  instanceKeyOf,
  listRequestAttempts,
  setRecovered,
  type InstanceRecord,
  type PendingMarker,
} from '../storage/instanceRecords';
import { isStorageStatus } from '../storage/storageErrors';
import { findCommit, rollForward } from './storeRecovery';
import { finishReplacedEntity, settleReplacing } from './replacement';
import { listReplacingAttempts } from '../storage/replacementRecords';

/**
 * What recovery did with one pending marker: `done` (the instance was visible; its study's search
 * summary refreshed), `rolledForward`, `rolledBack`, `deleteFinished`; or it left the marker:
 * `leaseHeld` (an uncommitted attempt or a delete still holds its lease), `tooYoung` (no
 * reservation of its version, and too recent to tell a dead attempt from one whose reservation
 * is on its way).
 */
export type Settlement = 'done' | 'rolledForward' | 'rolledBack' | 'leaseHeld' | 'deleteFinished' | 'tooYoung';

/**
 * Settles one pending marker (docs/consistency.md, "Failure at each point"). Safe while other
 * processes store and delete: it never rolls back an attempt whose lease is held, nor one that
 * may not have reserved yet (a marker younger than `staleBefore`); a `creating` attempt whose
 * version has a commit record is rolled forward whatever its lease, since the commit is the
 * commit point. Markers are removed only as they were listed (their ETag): a delete of the same
 * version reuses the key.
 */
export async function settleMarker(marker: PendingMarker, staleBefore: Date): Promise<SettleResult> {
  if (marker.kind === 'request') return settleRequestMarker(marker, marker.writtenAt < staleBefore);
  const outcome = await settle(marker, marker.writtenAt < staleBefore);
  // A visible instance whose request died before refreshing the study's search summary.
  if (outcome === 'done' || outcome === 'rolledForward') await refreshStudy(marker.key.studyInstanceUid);
  const settled = outcome !== 'leaseHeld' && outcome !== 'tooYoung';
  if (settled) await deletePendingMarkerIfUnchanged(marker.key, marker.version, marker.etag, marker.partition);
  return { outcome, markerRemoved: settled };
}

export interface SettleResult {
  readonly outcome: Settlement;
  /** False when the marker stays: work left (a lease held), or a request marker too young to remove. */
  readonly markerRemoved: boolean;
}

async function settle(marker: PendingMarker, stale: boolean): Promise<Settlement> {
  const record = await getInstanceRecord(marker.key);
  const current = record?.entity.Version === marker.version ? record : undefined;
  if (current?.entity.State === 'created') {
    // A delete's marker: the delete may be about to hide the instance, unless it died long ago.
    if (marker.purpose !== undefined) return stale ? 'done' : 'tooYoung';
    // The store's request may have died before answering: its next store answers success.
    if (current.entity.Recovered !== true) await setRecovered(marker.key, current.etag, true);
    return 'done';
  }
  if (current?.entity.State === 'deleting') {
    return (await resumeAbandonedDelete(current)) ? 'deleteFinished' : 'leaseHeld';
  }
  if (current) return settleCreating(current);
  // Not the entity's version: an attempt that lost its reservation (never committed), or one that
  // was created and has since been deleted (the delete removes the same blobs). Either way its
  // blobs are no instance's, once its reservation cannot be on its way any more.
  if (!stale) return 'tooYoung';
  await deleteBlobsWithPrefix(versionPrefix(marker.key, marker.version));
  return 'rolledBack';
}

/**
 * Settles the attempts of a STOW request in one study (its marker names the request's version;
 * every attempt's version starts with it), each by the rules above. The marker itself goes only
 * once it is older than a lease and no attempt holds a lease: a request still running rewrites
 * its marker well within a lease (shared/store/requestMarkers.ts), so a marker that old belongs
 * to a request that has ended.
 */
async function settleRequestMarker(marker: PendingMarker, stale: boolean): Promise<SettleResult> {
  const study = marker.key.studyInstanceUid;
  const outcomes: Settlement[] = [];
  for (const attempt of await listRequestAttempts(study, marker.version)) outcomes.push(await settleAttempt(attempt));
  // PUTs of the request that were replacing visible instances (docs/lifecycle.md).
  for (const replacing of await listReplacingAttempts(study, marker.version)) {
    outcomes.push((await settleReplacing(replacing)) ?? 'done');
  }
  if (outcomes.some((o) => o === 'done' || o === 'rolledForward')) await refreshStudy(study);
  if (outcomes.includes('leaseHeld')) return { outcome: 'leaseHeld', markerRemoved: false };
  const outcome = outcomes.includes('rolledForward')
    ? 'rolledForward'
    : outcomes.includes('rolledBack')
      ? 'rolledBack'
      : 'done';
  // Everything settled, but the request may still be running: the sweeper removes the marker later.
  if (!stale) return { outcome, markerRemoved: false };
  await deleteRequestMarker(study, marker.version, marker.etag, marker.partition);
  return { outcome, markerRemoved: true };
}

/** One attempt of a request, found by its version: its entity is the attempt's own. */
async function settleAttempt(current: InstanceRecord): Promise<Settlement> {
  const { entity } = current;
  if (entity.State === 'created') {
    // A PUT's replaced version may still have blobs.
    await finishReplacedEntity(entity);
    // The request may have died before answering: the instance's next store answers success.
    if (entity.Recovered !== true) await setRecovered(instanceKeyOf(entity), current.etag, true);
    return 'done';
  }
  // Being deleted: the delete's own marker sees it through.
  if (entity.State === 'deleting') return 'done';
  return settleCreating(current);
}

/**
 * An attempt still `creating`: rolled forward if it committed (whatever its lease: the commit is
 * the commit point), left while its lease is held, else rolled back.
 */
async function settleCreating(current: InstanceRecord): Promise<Settlement> {
  const { entity } = current;
  const key = instanceKeyOf(entity);
  const commit = await findCommit(current);
  if (commit) {
    await rollForward(current, commit).catch(ignoreConflict);
    return 'rolledForward';
  }
  const heldUntil = entity.LeaseUntil instanceof Date ? entity.LeaseUntil.getTime() : 0;
  if (heldUntil > Date.now()) return 'leaseHeld';
  await deleteBlobsWithPrefix(versionPrefix(key, entity.Version));
  await unindexInstance(key, entity.Version);
  await deleteInstanceEntity(key, current.etag);
  return 'rolledBack';
}

function ignoreConflict(error: unknown): void {
  if (!isStorageStatus(error, 412, 404)) throw error;
}

export interface SweepResult {
  readonly examined: number;
  readonly rolledForward: number;
  readonly rolledBack: number;
  readonly markersRemoved: number;
  /** Deletes whose process died, finished (docs/delete-and-changefeed.md). */
  readonly deletesFinished: number;
}

/** Counts settlements into a SweepResult. */
export class SweepTally {
  examined = 0;
  rolledForward = 0;
  rolledBack = 0;
  markersRemoved = 0;
  deletesFinished = 0;

  add({ outcome, markerRemoved }: SettleResult): void {
    this.examined += 1;
    if (outcome === 'rolledForward') this.rolledForward += 1;
    if (outcome === 'rolledBack') this.rolledBack += 1;
    if (outcome === 'deleteFinished') this.deletesFinished += 1;
    if (markerRemoved) this.markersRemoved += 1;
  }

  failed(): void {
    this.examined += 1;
  }

  result(): SweepResult {
    const { examined, rolledForward, rolledBack, markersRemoved, deletesFinished } = this;
    return { examined, rolledForward, rolledBack, markersRemoved, deletesFinished };
  }
}
