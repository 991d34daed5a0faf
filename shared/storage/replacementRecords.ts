/**
 * The instance entity's columns for a PUT that replaces a visible instance (docs/lifecycle.md):
 * while the new version uploads and commits, the entity stays `created` with the old `Version`
 * (so readers keep seeing the old instance whole) and names the new attempt in `ReplacingVersion`
 * under the attempt's lease. Table Storage cannot remove a column in a merge: an empty
 * `ReplacingVersion` means none.
 */
import { odata } from '@azure/data-tables';
import { table } from './clients';
import { instanceRowKey, type InstanceEntity, type InstanceRecord } from './instanceRecords';
import type { InstanceKey } from './blobLayout';
import { isStorageStatus } from './storageErrors';

/** The attempt replacing the instance, if one is (or was, until its lease ran out). */
export function replacingVersionOf(entity: InstanceEntity): string | undefined {
  const value = entity.ReplacingVersion;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The version a committed PUT replaced, whose blobs go once nobody can be reading them. */
export function replacedVersionOf(entity: InstanceEntity): string | undefined {
  const value = entity.ReplacedVersion;
  return typeof value === 'string' && value !== '' && value !== entity.Version ? value : undefined;
}

/**
 * The version a bulk update keeps as the instance's original (docs/bulk-update.md): set before the
 * first update claims the instance, carried through every later replacement, deleted with it.
 */
export function originalVersionOf(entity: InstanceEntity): string | undefined {
  const value = entity.OriginalVersion;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * What a replacement keeps of the entity it replaces: the original version, and, when `replacing`
 * is the attempt a bulk update announced (`UpdatingVersion`), the operation it belongs to
 * (`UpdateOperation`, which makes a re-run step skip the instance).
 */
export function carriedByReplacement(entity: InstanceEntity, replacing: string): Record<string, unknown> {
  const original = originalVersionOf(entity);
  return {
    ...(original === undefined ? {} : { OriginalVersion: original }),
    ...(entity.UpdatingVersion === replacing && typeof entity.UpdatingOperation === 'string'
      ? { UpdateOperation: entity.UpdatingOperation }
      : {}),
  };
}

/**
 * Announces a bulk update's attempt on a visible instance, while it is as read: the original
 * version (if not set yet) and which operation and attempt version will replace it. Resolves with
 * the new ETag, or undefined when the entity changed (412) or is gone.
 */
export async function announceUpdate(
  record: InstanceRecord,
  operationId: string,
  version: string,
): Promise<string | undefined> {
  const merged = await mergeIfUnchanged(
    record.entity.partitionKey,
    record.entity.rowKey,
    {
      OriginalVersion: originalVersionOf(record.entity) ?? record.entity.Version,
      UpdatingOperation: operationId,
      UpdatingVersion: version,
    },
    record.etag,
  );
  return merged?.etag;
}

/**
 * Names `version` as the attempt replacing this `created` instance, under a lease, while the
 * entity is as read; resolves with the new ETag, or undefined when it changed (412) or is gone.
 */
export async function claimReplacement(
  record: InstanceRecord,
  version: string,
  leaseUntil: Date,
  leaseSeconds: number,
): Promise<string | undefined> {
  const merged = await mergeIfUnchanged(
    record.entity.partitionKey,
    record.entity.rowKey,
    { ReplacingVersion: version, LeaseUntil: leaseUntil, LeaseSeconds: leaseSeconds },
    record.etag,
  );
  return merged?.etag;
}

/** Gives up a replacement that did not commit, while the entity is as we last saw it; false when it changed. */
export async function clearReplacement(key: InstanceKey, etag: string): Promise<boolean> {
  const cleared = await mergeIfUnchanged(key.studyInstanceUid, instanceRowKey(key), { ReplacingVersion: '' }, etag);
  return cleared !== undefined;
}

/** Merges `columns` into the entity if its ETag is still `etag`: its new ETag, or undefined when it changed or is gone. */
async function mergeIfUnchanged(
  partitionKey: string,
  rowKey: string,
  columns: Record<string, unknown>,
  etag: string,
): Promise<{ etag: string | undefined } | undefined> {
  try {
    const response = await table('instances').updateEntity({ partitionKey, rowKey, ...columns }, 'Merge', { etag });
    return { etag: response.etag };
  } catch (error) {
    if (isStorageStatus(error, 412, 404)) return undefined;
    throw error;
  }
}

/** The instances of a study that attempts of one request are replacing: a range of `ReplacingVersion`. */
export async function listReplacingAttempts(
  studyInstanceUid: string,
  requestVersion: string,
): Promise<InstanceRecord[]> {
  const filter = odata`PartitionKey eq ${studyInstanceUid} and ReplacingVersion ge ${`${requestVersion}.`} and ReplacingVersion lt ${`${requestVersion}/`}`;
  const records: InstanceRecord[] = [];
  for await (const entity of table('instances').listEntities<InstanceEntity>({ queryOptions: { filter } })) {
    records.push({ entity, etag: entity.etag });
  }
  return records;
}
