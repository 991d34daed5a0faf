import { deletedVersionRowKey, FEED_PARTITION } from '../changefeed/changeFeedEntry';
import { changeFeed } from '../changefeed/changeFeedWriter';
import { refreshStudy } from '../search/summaryRefresh';
import { unindexInstance } from '../search/instanceIndex';
import { versionPrefix } from '../storage/blobLayout';
import { deleteBlobsWithPrefix } from '../storage/blobUpload';
import { table } from '../storage/clients';
import { isStorageStatus } from '../storage/storageErrors';
import type { HiddenInstance } from './deleteScope';
import { deleteInstanceEntity, deletePendingMarker } from '../storage/instanceRecords';

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
  await deleteInstanceEntity(instance.key, instance.etag);
  await unindexInstance(instance.key, instance.version);
}

/** Appends the delete event unless the feed already holds it (the writer records `deleted-{version}`). */
export async function ensureDeleteEvent(instance: HiddenInstance): Promise<void> {
  if (await deleteEventRecorded(instance.version)) return;
  await changeFeed().append({ action: 'delete', ...instance.key, version: instance.version });
}

async function deleteEventRecorded(version: string): Promise<boolean> {
  try {
    await table('changeFeed').getEntity(FEED_PARTITION, deletedVersionRowKey(version), {
      queryOptions: { select: ['Sequence'] },
    });
    return true;
  } catch (error) {
    if (isStorageStatus(error, 404)) return false;
    throw error;
  }
}
