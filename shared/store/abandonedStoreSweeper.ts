import { listPendingMarkers } from '../storage/instanceRecords';
import { settleMarker, SweepTally, type SweepResult } from './markerSettlement';

export type { SweepResult } from './markerSettlement';

const MAX_MARKERS_PER_SWEEP = 500;

/**
 * Finishes store attempts whose process died (docs/consistency.md): commits that reached the
 * change feed are rolled forward, the rest rolled back, and their pending markers removed.
 * Reads only the pending-marker partition, so its cost follows the attempts in flight.
 * Only markers written before `olderThan` are looked at; attempts whose lease is still held are left.
 */
export async function sweepAbandonedStores(olderThan: Date, log: (m: string) => void): Promise<SweepResult> {
  const markers = await listPendingMarkers(olderThan, MAX_MARKERS_PER_SWEEP);
  const tally = new SweepTally();
  for (const marker of markers) {
    try {
      tally.add(await settleMarker(marker, olderThan));
    } catch (error) {
      tally.failed();
      log(`Sweep of ${marker.key.sopInstanceUid}/${marker.version} failed, will retry: ${String(error)}`);
    }
  }
  return tally.result();
}
