/**
 * When a store's or delete's change-feed event can have been committed, if it was: what recovery
 * searches the feed over (shared/changefeed/feedEventLookup.ts).
 *
 * A store commits only while its lease has at least a third left (shared/store/leaseKeeper.ts),
 * and the lease is renewed every third: the commit is after the last renewal but one, so after
 * `LeaseUntil - lease`, and before `LeaseUntil`. A delete appends its event right after hiding the
 * instance under a lease it does not renew. Both bounds are widened for clocks that disagree
 * (event times come from the committing process, never go backwards, and may run ahead of it) and
 * for a transaction still in flight when the lease ends.
 */
import type { CommitWindow } from '../changefeed/feedEventLookup';
import { getConfig } from '../config';
import { versionTime } from '../storage/blobLayout';
import type { InstanceEntity } from '../storage/instanceRecords';

const CLOCK_SKEW_MS = 60_000;
const IN_FLIGHT_MS = 120_000;

/** The window of the event of the attempt or delete that holds `entity` (`creating` or `deleting`). */
export function commitWindowOf(entity: InstanceEntity): CommitWindow {
  const leaseUntil = entity.LeaseUntil instanceof Date ? entity.LeaseUntil.getTime() : Date.now();
  const leaseMs = leaseSecondsOf(entity) * 1000;
  const began = entity.State === 'creating' ? (versionTime(entity.Version)?.getTime() ?? 0) : 0;
  return {
    from: new Date(Math.max(began, leaseUntil - leaseMs) - CLOCK_SKEW_MS),
    until: new Date(leaseUntil + IN_FLIGHT_MS + CLOCK_SKEW_MS),
  };
}

/** The window of a commit whose outcome its own attempt did not learn (a timeout), asked at once. */
export function unknownOutcomeWindow(version: string): CommitWindow {
  return {
    from: new Date((versionTime(version)?.getTime() ?? 0) - CLOCK_SKEW_MS),
    until: new Date(Date.now() + IN_FLIGHT_MS + CLOCK_SKEW_MS),
  };
}

function leaseSecondsOf(entity: InstanceEntity): number {
  const stored = Number(entity.LeaseSeconds);
  // Entities of earlier releases do not say; the longer of the two keeps the window wide enough.
  return Number.isFinite(stored) && stored > 0 ? stored : getConfig().store.leaseSeconds;
}
