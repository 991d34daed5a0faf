import { versionPrefix, type InstanceKey } from '../storage/blobLayout';
import { deleteBlobsWithPrefix } from '../storage/blobUpload';
import { reserveInstance, takeOverReservation } from '../storage/instanceRecords';
import { isStorageStatus } from '../storage/storageErrors';
import { leaseEnd } from './leaseKeeper';
import { findCommit, rollForward } from './storeRecovery';

export type StoreReservation = { kind: 'reserved'; etag: string } | { kind: 'exists' } | { kind: 'busy' };

/**
 * Reserves an instance for one store attempt. An existing reservation whose lease ran out
 * belongs to a process that died: if its attempt reached the change feed it is rolled forward
 * (and this store is a duplicate), otherwise this attempt takes the reservation over.
 */
export async function reserveForStore(
  key: InstanceKey,
  version: string,
  leaseSeconds: number,
  log: (message: string) => void,
): Promise<StoreReservation> {
  const result = await reserveInstance(key, version, leaseEnd(leaseSeconds));
  if (result.kind === 'reserved') return result;
  const { entity } = result.record;
  if (entity.State === 'created') return { kind: 'exists' };
  const leaseUntil = entity.LeaseUntil instanceof Date ? entity.LeaseUntil.getTime() : 0;
  if (entity.State !== 'creating' || leaseUntil > Date.now()) return { kind: 'busy' };

  const commit = await findCommit(entity.Version);
  if (commit) {
    try {
      await rollForward(result.record, commit);
    } catch (error) {
      if (!isStorageStatus(error, 412, 404)) throw error;
    }
    return { kind: 'exists' };
  }
  const etag = await takeOverReservation(result.record, version, leaseEnd(leaseSeconds));
  if (etag === undefined) return { kind: 'busy' };
  const abandoned = versionPrefix(key, entity.Version);
  deleteBlobsWithPrefix(abandoned).catch((error: unknown) =>
    log(`Blobs of abandoned store ${abandoned} left for the sweeper: ${String(error)}`),
  );
  return { kind: 'reserved', etag };
}
