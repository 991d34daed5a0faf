import { resumeAbandonedDelete } from '../delete/deleteRecovery';
import { refreshStudy } from '../search/summaryRefresh';
import { versionPrefix } from '../storage/blobLayout';
import { deleteBlobsWithPrefix } from '../storage/blobUpload';
import {
  deletePendingMarker,
  getInstanceRecord,
  listPendingMarkers,
  deleteInstanceEntity,
  type PendingMarker,
} from '../storage/instanceRecords';
import { isStorageStatus } from '../storage/storageErrors';
import { findCommit, rollForward } from './storeRecovery';

export interface SweepResult {
  readonly examined: number;
  readonly rolledForward: number;
  readonly rolledBack: number;
  readonly markersRemoved: number;
  /** Deletes whose process died, finished (docs/delete-and-changefeed.md). */
  readonly deletesFinished: number;
}

const MAX_MARKERS_PER_SWEEP = 500;

/**
 * Finishes store attempts whose process died (docs/consistency.md): commits that reached the
 * change feed are rolled forward, the rest rolled back, and their pending markers removed.
 * Reads only the pending-marker partition, so its cost follows the attempts in flight.
 * Only markers written before `olderThan` are looked at; attempts whose lease is still held are left.
 */
export async function sweepAbandonedStores(olderThan: Date, log: (m: string) => void): Promise<SweepResult> {
  const markers = await listPendingMarkers(olderThan, MAX_MARKERS_PER_SWEEP);
  const result = { examined: markers.length, rolledForward: 0, rolledBack: 0, markersRemoved: 0, deletesFinished: 0 };
  for (const marker of markers) {
    try {
      const outcome = await settle(marker);
      if (outcome === 'rolledForward') result.rolledForward += 1;
      if (outcome === 'rolledBack') result.rolledBack += 1;
      if (outcome === 'deleteFinished') result.deletesFinished += 1;
      // A visible instance whose request died before refreshing the study's search summary.
      if (outcome === 'done' || outcome === 'rolledForward') await refreshStudy(marker.key.studyInstanceUid);
      if (outcome !== 'leaseHeld') {
        await deletePendingMarker(marker.key, marker.version);
        result.markersRemoved += 1;
      }
    } catch (error) {
      log(`Sweep of ${marker.key.sopInstanceUid}/${marker.version} failed, will retry: ${String(error)}`);
    }
  }
  return result;
}

type Settlement = 'done' | 'rolledForward' | 'rolledBack' | 'leaseHeld' | 'deleteFinished';

async function settle(marker: PendingMarker): Promise<Settlement> {
  const record = await getInstanceRecord(marker.key);
  const current = record?.entity.Version === marker.version ? record : undefined;
  if (current?.entity.State === 'created') return 'done';
  if (current?.entity.State === 'deleting') {
    return (await resumeAbandonedDelete(current)) ? 'deleteFinished' : 'leaseHeld';
  }
  if (current) {
    const leaseUntil = current.entity.LeaseUntil instanceof Date ? current.entity.LeaseUntil.getTime() : 0;
    if (leaseUntil > Date.now()) return 'leaseHeld';
  }
  const commit = await findCommit(marker.version);
  if (commit) {
    if (current) await rollForward(current, commit).catch(ignoreConflict);
    return current ? 'rolledForward' : 'done';
  }
  await deleteBlobsWithPrefix(versionPrefix(marker.key, marker.version));
  if (current) await deleteInstanceEntity(marker.key, current.etag);
  return 'rolledBack';
}

function ignoreConflict(error: unknown): void {
  if (!isStorageStatus(error, 412, 404)) throw error;
}
