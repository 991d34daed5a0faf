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
 * Names `version` as the attempt replacing this `created` instance, under a lease, while the
 * entity is as read; resolves with the new ETag, or undefined when it changed (412) or is gone.
 */
export async function claimReplacement(
  record: InstanceRecord,
  version: string,
  leaseUntil: Date,
  leaseSeconds: number,
): Promise<string | undefined> {
  try {
    const response = await table('instances').updateEntity(
      {
        partitionKey: record.entity.partitionKey,
        rowKey: record.entity.rowKey,
        ReplacingVersion: version,
        LeaseUntil: leaseUntil,
        LeaseSeconds: leaseSeconds,
      },
      'Merge',
      { etag: record.etag },
    );
    return response.etag;
  } catch (error) {
    if (isStorageStatus(error, 412, 404)) return undefined;
    throw error;
  }
}

/** Gives up a replacement that did not commit, while the entity is as we last saw it; false when it changed. */
export async function clearReplacement(key: InstanceKey, etag: string): Promise<boolean> {
  try {
    await table('instances').updateEntity(
      { partitionKey: key.studyInstanceUid, rowKey: instanceRowKey(key), ReplacingVersion: '' },
      'Merge',
      { etag },
    );
    return true;
  } catch (error) {
    if (isStorageStatus(error, 412, 404)) return false;
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
