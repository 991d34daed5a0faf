import { changeFeed } from '../changefeed/changeFeedWriter';
import { findEvent } from '../changefeed/feedEventLookup';
import { commitWindowOf } from '../store/commitWindow';
import { refreshStudy } from '../search/summaryRefresh';
import { unindexInstance } from '../search/instanceIndex';
import { versionPrefix } from '../storage/blobLayout';
import { deleteBlobsWithPrefix } from '../storage/blobUpload';
import type { HiddenInstance } from './deleteScope';
import { deleteInstanceEntity, deletePendingMarker, type InstanceEntity } from '../storage/instanceRecords';

/**
 * The invisible half of a delete, once its feed event is committed: the version's blobs, the
 * entity, its SOP Instance UID index entry, a refresh of the study's search summary (the request
 * refreshed it already unless it failed), then the marker. In that order, a crash at any point
 * leaves the marker so the sweeper can pick the work up again; every step is idempotent.
 */
export async function finishDelete(instance: HiddenInstance): Promise<void> {
  await removeInstanceData(instance);
  await refreshStudy(instance.key.studyInstanceUid);
  await deletePendingMarker(instance.key, instance.version);
}

/** The steps of `finishDelete` before the refresh, for callers that refresh once for many instances. */
export async function removeInstanceData(instance: HiddenInstance): Promise<void> {
  await deleteBlobsWithPrefix(versionPrefix(instance.key, instance.version));
  if (instance.originalVersion !== undefined && instance.originalVersion !== instance.version) {
    await deleteBlobsWithPrefix(versionPrefix(instance.key, instance.originalVersion));
  }
  await deleteInstanceEntity(instance.key, instance.etag);
  await unindexInstance(instance.key, instance.version);
}

/**
 * Appends the delete event unless the feed already holds it: the delete that hid `entity` (now
 * `deleting`) may have died before or after its append (shared/store/commitWindow.ts bounds when).
 */
export async function ensureDeleteEvent(instance: HiddenInstance, entity: InstanceEntity): Promise<void> {
  if (await findEvent('delete', instance.version, commitWindowOf(entity))) return;
  await changeFeed().append({ action: 'delete', ...instance.key, version: instance.version });
}
