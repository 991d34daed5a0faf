import { pendingMarkers, type PendingMarker } from '../storage/instanceRecords';
import { isStorageStatus } from '../storage/storageErrors';
import { settleMarker, SweepTally, type SweepResult } from './markerSettlement';

export interface StartupRecoveryOptions {
  /** The whole recovery's time budget; what is left after it is the timer sweeper's. */
  readonly budgetMs: number;
  /** How long listing the pending markers may take (storage that does not answer). */
  readonly listTimeoutMs: number;
  /** Markers written before this may belong to attempts that died before reserving. */
  readonly staleBefore: Date;
  readonly concurrency: number;
  /**
   * Only markers written before this are settled (default: when recovery starts; later ones
   * belong to this process). Tests that write a marker and recover at once set it later, since
   * the table service's timestamp of that marker may not be before the start by the clock here.
   */
  readonly writtenBefore?: Date;
}

export interface StartupRecoveryResult extends SweepResult {
  /** How long it took. */
  readonly ms: number;
  /** Every marker was looked at within the budget (some may have been left: leases held). */
  readonly complete: boolean;
  /** Markers left: an attempt or delete still holding its lease, or too recent to judge. */
  readonly left: number;
}

const NOTHING: Omit<StartupRecoveryResult, 'ms'> = {
  examined: 0,
  rolledForward: 0,
  rolledBack: 0,
  markersRemoved: 0,
  deletesFinished: 0,
  complete: true,
  left: 0,
};

/**
 * Settles every pending marker written before this process started, of any age, within a time
 * budget (docs/consistency.md, "Recovery at start-up"): what a crash left half-visible (a commit
 * whose entity is still `creating`, a `created` instance whose study summary was not refreshed)
 * is made fully visible before the app reports ready. Settling is safe while other instances of
 * the app store (shared/store/markerSettlement.ts). Markers not reached in time stay for the timer.
 */
export async function recoverAtStartup(
  options: StartupRecoveryOptions,
  log: (message: string) => void,
): Promise<StartupRecoveryResult> {
  const deadline = Date.now() + options.budgetMs;
  const startedAt = new Date();
  const markers: PendingMarker[] = [];
  try {
    const signal = AbortSignal.timeout(Math.min(options.listTimeoutMs, options.budgetMs));
    for await (const marker of pendingMarkers(options.writtenBefore ?? startedAt, signal)) markers.push(marker);
  } catch (error) {
    const ms = Date.now() - startedAt.getTime();
    if (isStorageStatus(error, 404)) return { ...NOTHING, ms }; // no table yet: nothing was ever stored
    log(`Start-up recovery could not list pending stores; the sweeper will: ${String(error)}`);
    return { ...NOTHING, complete: false, ms };
  }

  const tally = new SweepTally();
  let left = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < markers.length && Date.now() < deadline) {
      const marker = markers[next++] as PendingMarker;
      try {
        const result = await settleMarker(marker, options.staleBefore);
        tally.add(result);
        if (result.outcome === 'leaseHeld' || result.outcome === 'tooYoung') left += 1;
      } catch (error) {
        tally.failed();
        left += 1;
        log(`Start-up recovery of ${marker.key.sopInstanceUid}/${marker.version} failed: ${String(error)}`);
      }
    }
  };
  const work = Promise.all(Array.from({ length: options.concurrency }, worker));
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    timer.unref();
  });
  // Settlements still running at the deadline finish in the background; no new one starts.
  const finished = await Promise.race([work.then(() => true), outOfTime]);
  clearTimeout(timer);
  const complete = finished && next >= markers.length;
  if (!complete) {
    log(
      `Start-up recovery stopped after ${options.budgetMs} ms with ${markers.length - tally.examined} of ` +
        `${markers.length} pending stores unsettled; the sweeper finishes them.`,
    );
  }
  const ms = Date.now() - startedAt.getTime();
  return { ...tally.result(), complete, left: left + markers.length - tally.examined, ms };
}
