/**
 * The commit and recovery of a PUT that replaces a visible instance (docs/lifecycle.md). The
 * change-feed `update` event is the commit point, as `create` is for a store: before it, the old
 * version is the instance and the new one is rolled back; after it, the new one is, and recovery
 * rolls it forward from the stored file. The old version's blobs go only once the new version
 * is visible.
 */
import { findEvent, type CommitWindow, type FoundEvent } from '../changefeed/feedEventLookup';
import { indexInstance } from '../search/instanceIndex';
import { versionPrefix, versionTime, type InstanceKey } from '../storage/blobLayout';
import { deleteBlobsWithPrefix } from '../storage/blobUpload';
import {
  getInstanceRecord,
  instanceKeyOf,
  markCreated,
  setRecovered,
  type InstanceEntity,
  type InstanceRecord,
} from '../storage/instanceRecords';
import {
  carriedByReplacement,
  clearReplacement,
  originalVersionOf,
  replacedVersionOf,
  replacingVersionOf,
} from '../storage/replacementRecords';
import { isStorageStatus } from '../storage/storageErrors';
import { commitWindowOf } from './commitWindow';
import { storedFileProperties } from './storedFileProperties';

/**
 * Swaps the entity to the committed new version (guarded by the lease's ETag) with its properties
 * and the old version named in `ReplacedVersion`, then points the SOP Instance UID index at it.
 * Recovery may have swapped it already: the entity at this version is success.
 */
export async function completeReplacement(
  key: InstanceKey,
  leaseEtag: string,
  version: string,
  replacedVersion: string,
  properties: Record<string, unknown>,
): Promise<void> {
  let etag = leaseEtag;
  for (let attempt = 1; ; attempt++) {
    try {
      await markCreated(key, etag, version, { ...properties, ReplacedVersion: replacedVersion });
      break;
    } catch (error) {
      if (!isStorageStatus(error, 412) || attempt >= 3) throw error;
      const record = await getInstanceRecord(key);
      if (record?.entity.State === 'created' && record.entity.Version === version) {
        if (record.entity.Recovered === true) await setRecovered(key, record.etag, false);
        break;
      }
      // A renewal of ours whose answer was lost moved the ETag; anything else is not ours to overwrite.
      if (record?.entity.State !== 'created' || replacingVersionOf(record.entity) !== version) throw error;
      etag = record.etag;
    }
  }
  await indexInstance(key, version);
}

/** When the replacing attempt's `update` can have been committed: as for a store's create. */
export function replacementWindow(entity: InstanceEntity, replacing: string): CommitWindow {
  const window = commitWindowOf(entity);
  const began = versionTime(replacing);
  return began && began > window.from ? { ...window, from: new Date(began.getTime() - 60_000) } : window;
}

export type ReplacementSettlement = 'rolledForward' | 'rolledBack' | 'leaseHeld';

/**
 * Settles a replacement whose owner may be dead: rolled forward if its `update` committed
 * (whatever its lease: the commit is the commit point), left while its lease is held, else rolled
 * back (its blobs, then the claim; the old version never stopped being visible).
 */
export async function settleReplacing(record: InstanceRecord): Promise<ReplacementSettlement | undefined> {
  const { entity } = record;
  const replacing = replacingVersionOf(entity);
  if (replacing === undefined || entity.State !== 'created') return undefined;
  const key = instanceKeyOf(entity);
  const commit = await findEvent('update', replacing, replacementWindow(entity, replacing));
  if (commit) {
    await rollReplacementForward(record, replacing, commit);
    return 'rolledForward';
  }
  const heldUntil = entity.LeaseUntil instanceof Date ? entity.LeaseUntil.getTime() : 0;
  if (heldUntil > Date.now()) return 'leaseHeld';
  await deleteBlobsWithPrefix(versionPrefix(key, replacing));
  await clearReplacement(key, record.etag);
  return 'rolledBack';
}

/**
 * Makes a committed replacement visible from its stored file, flagged `Recovered` (its request
 * may never have answered), then removes the old version's blobs.
 */
async function rollReplacementForward(record: InstanceRecord, replacing: string, commit: FoundEvent): Promise<void> {
  const { entity } = record;
  const key = instanceKeyOf(entity);
  const properties = await storedFileProperties(key, replacing);
  try {
    await markCreated(key, record.etag, replacing, {
      ...properties,
      Sequence: commit.sequence,
      StoredAt: commit.timestamp,
      ReplacedVersion: entity.Version,
      ...carriedByReplacement(entity, replacing),
      Recovered: true,
    });
  } catch (error) {
    // Changed meanwhile: its owner finished, or another recovery did.
    if (isStorageStatus(error, 412, 404)) return;
    throw error;
  }
  await finishReplaced(key, replacing, entity.Version, originalVersionOf(entity));
}

/**
 * What is left after a replacement became visible: the SOP Instance UID index names the new
 * version, and the old version's blobs are gone, unless it is the original version a bulk update
 * keeps (docs/bulk-update.md). Idempotent.
 */
export async function finishReplaced(
  key: InstanceKey,
  version: string,
  replacedVersion: string,
  originalVersion: string | undefined,
): Promise<void> {
  await indexInstance(key, version);
  if (replacedVersion !== originalVersion) await deleteBlobsWithPrefix(versionPrefix(key, replacedVersion));
}

/** For a visible instance found by recovery: finishes its replacement, if a PUT made it. */
export async function finishReplacedEntity(entity: InstanceEntity): Promise<void> {
  const replaced = replacedVersionOf(entity);
  if (replaced !== undefined) {
    await finishReplaced(instanceKeyOf(entity), entity.Version, replaced, originalVersionOf(entity));
  }
}
