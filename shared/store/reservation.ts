import { versionPrefix, type InstanceKey } from '../storage/blobLayout';
import { deleteBlobsWithPrefix } from '../storage/blobUpload';
import { reserveInstance, takeOverReservation } from '../storage/instanceRecords';
import { isStorageStatus } from '../storage/storageErrors';
import { judgeCreated } from './interruptedStore';
import { leaseEnd, staleMarkerMs } from './leaseKeeper';
import { findCommit, rollForward } from './storeRecovery';

export type StoreReservation =
  | { kind: 'reserved'; etag: string; leaseUntil: Date }
  | { kind: 'exists' }
  | { kind: 'busy' }
  /** The instance's interrupted earlier store is complete now; this store answers success with it. */
  | { kind: 'repaired'; sopClassUid: string | undefined };

/** Decisions that found the entity changed under them start over, a few times. */
const MAX_ROUNDS = 4;

/**
 * Reserves an instance for one store attempt. An existing reservation whose lease ran out
 * belongs to a process that died: if its attempt reached the change feed it is rolled forward
 * (and this store answers success with it, docs/consistency.md), otherwise this attempt takes the
 * reservation over. A `created` instance is a duplicate (45070) unless its store was interrupted.
 */
export async function reserveForStore(
  key: InstanceKey,
  version: string,
  leaseSeconds: number,
  log: (message: string) => void,
): Promise<StoreReservation> {
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const reservation = await tryReserve(key, version, leaseSeconds, log);
    if (reservation !== 'changed') return reservation;
  }
  return { kind: 'busy' };
}

async function tryReserve(
  key: InstanceKey,
  version: string,
  leaseSeconds: number,
  log: (message: string) => void,
): Promise<StoreReservation | 'changed'> {
  const leaseUntil = leaseEnd(leaseSeconds);
  const result = await reserveInstance(key, version, leaseUntil, leaseSeconds);
  if (result.kind === 'reserved') return { ...result, leaseUntil };
  const { entity } = result.record;
  if (entity.State === 'created') {
    const verdict = await judgeCreated(result.record, staleMarkerMs(leaseSeconds));
    if (verdict === 'repaired') return { kind: 'repaired', sopClassUid: stringOrUndefined(entity.SOPClassUID) };
    return verdict === 'exists' ? { kind: 'exists' } : 'changed';
  }
  const heldUntil = entity.LeaseUntil instanceof Date ? entity.LeaseUntil.getTime() : 0;
  if (entity.State !== 'creating' || heldUntil > Date.now()) return { kind: 'busy' };

  const commit = await findCommit(result.record);
  if (commit) {
    try {
      await rollForward(result.record, commit);
    } catch (error) {
      if (!isStorageStatus(error, 412, 404)) throw error;
    }
    return 'changed'; // now `created` (and flagged): the next round repairs it
  }
  const etag = await takeOverReservation(result.record, version, leaseUntil, leaseSeconds);
  if (etag === undefined) return { kind: 'busy' };
  const abandoned = versionPrefix(key, entity.Version);
  deleteBlobsWithPrefix(abandoned).catch((error: unknown) =>
    log(`Blobs of abandoned store ${abandoned} left for the sweeper: ${String(error)}`),
  );
  return { kind: 'reserved', etag, leaseUntil };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
