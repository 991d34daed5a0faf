import { refreshStudy } from '../search/summaryRefresh';
import { settleMarker } from './markerSettlement';
import {
  deletePendingMarkerIfUnchanged,
  getInstanceRecord,
  instanceKeyOf,
  getPendingMarker,
  setRecovered,
  type InstanceRecord,
} from '../storage/instanceRecords';

/**
 * What a store of an instance that is already `created` answers:
 * - `repaired`: the instance's earlier store was interrupted (its request may never have
 *   answered); it is complete now, so this store answers success, once;
 * - `exists`: it is stored and its store finished: 45070;
 * - `changed`: the entity changed while we looked; decide again.
 */
export type CreatedVerdict = 'repaired' | 'exists' | 'changed';

/**
 * Decides, for a store that found `record` (a `created` entity), whether the earlier store was
 * interrupted (docs/consistency.md, "A re-store repairs"). Interrupted means either recovery
 * finished it and flagged it `Recovered`, or its store marker is still there long after the
 * store began (`staleAfterMs`: a live request deletes it within seconds of answering). A repair
 * refreshes the study's search summary first (that is what an interrupted request may have left
 * undone), then consumes the flag or the marker with a conditional write, so of two re-stores
 * only one answers success. The instance keeps the bytes of the interrupted store.
 */
export async function judgeCreated(record: InstanceRecord, staleAfterMs: number): Promise<CreatedVerdict> {
  const { entity, etag } = record;
  const key = instanceKeyOf(entity);
  if (entity.Recovered === true) {
    await refreshStudy(key.studyInstanceUid);
    return (await setRecovered(key, etag, false)) === undefined ? 'changed' : 'repaired';
  }
  const marker = await getPendingMarker(key, entity.Version);
  if (marker?.kind === 'request') {
    if (Date.now() - marker.writtenAt.getTime() < staleAfterMs) return 'exists';
    // Its request ended long ago without removing it. Settling it (which also refreshes the study)
    // flags this instance `Recovered`, and the flag is consumed here as above; the marker covers
    // the request's other instances too, so it stays theirs.
    await settleMarker(marker, new Date(Date.now() - staleAfterMs));
    const settled = await getInstanceRecord(key);
    if (settled?.entity.Version !== entity.Version || settled.entity.Recovered !== true) return 'changed';
    return (await setRecovered(key, settled.etag, false)) === undefined ? 'changed' : 'repaired';
  }
  // A delete's marker (same key) is the delete's business; a young store marker may belong to a
  // request that is answering right now.
  if (!marker || marker.purpose !== undefined || Date.now() - marker.writtenAt.getTime() < staleAfterMs) {
    return 'exists';
  }
  await refreshStudy(key.studyInstanceUid);
  return (await deletePendingMarkerIfUnchanged(key, entity.Version, marker.etag, marker.partition))
    ? 'repaired'
    : 'changed';
}
