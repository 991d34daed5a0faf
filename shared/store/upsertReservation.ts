import type { InstanceKey } from '../storage/blobLayout';
import { reserveInstance } from '../storage/instanceRecords';
import { carriedByReplacement, claimReplacement, replacingVersionOf } from '../storage/replacementRecords';
import { leaseEnd } from './leaseKeeper';
import { settleReplacing } from './replacement';
import { reserveForStore, type StoreReservation } from './reservation';

export type UpsertReservation =
  | StoreReservation
  /**
   * A visible instance is ours to replace; `replacedVersion` stays visible until the commit.
   * `carried`: what the new version's entity keeps of the old one (replacementRecords.ts).
   */
  | { kind: 'replacing'; etag: string; leaseUntil: Date; replacedVersion: string; carried: Record<string, unknown> };

const MAX_ROUNDS = 4;

/**
 * Reserves an instance for a PUT (docs/lifecycle.md): a new instance is reserved as a store does;
 * a visible one is claimed for replacement (its entity stays `created` and keeps its version); an
 * earlier replacement whose owner died is settled first (rolled forward if it committed, else
 * rolled back once its lease ran out). Any other state (a store or delete in progress) is settled
 * or refused exactly as for a store.
 */
export async function reserveForUpsert(
  key: InstanceKey,
  version: string,
  leaseSeconds: number,
  log: (message: string) => void,
): Promise<UpsertReservation> {
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const leaseUntil = leaseEnd(leaseSeconds);
    const result = await reserveInstance(key, version, leaseUntil, leaseSeconds);
    if (result.kind === 'reserved') return { ...result, leaseUntil };
    const { record } = result;
    if (record.entity.State !== 'created') {
      const store = await reserveForStore(key, version, leaseSeconds, log);
      // Visible now (an interrupted store finished): replace it in the next round.
      if (store.kind === 'exists' || store.kind === 'repaired') continue;
      return store;
    }
    if (replacingVersionOf(record.entity) !== undefined) {
      if ((await settleReplacing(record)) === 'leaseHeld') return { kind: 'busy' };
      continue;
    }
    const etag = await claimReplacement(record, version, leaseUntil, leaseSeconds);
    if (etag !== undefined) {
      return {
        kind: 'replacing',
        etag,
        leaseUntil,
        replacedVersion: record.entity.Version,
        carried: carriedByReplacement(record.entity, version),
      };
    }
  }
  return { kind: 'busy' };
}
