import { changeFeed } from '../changefeed/changeFeedWriter';
import { getConfig } from '../config';
import { refreshStudy } from '../search/summaryRefresh';
import { leaseEnd } from '../store/leaseKeeper';
import { finishInBackground } from './backgroundDeletes';
import { listDeleteCandidates } from './deleteCandidates';
import type { DeleteCandidate, DeleteScope, HiddenInstance } from './deleteScope';
import { hideInstance, writeDeleteMarker } from './deleteWrites';

export interface DeleteOutcome {
  /** Visible instances found in the scope; 0 means 404. */
  readonly found: number;
  /** Of those, the ones this request hid and recorded in the change feed. */
  readonly deleted: number;
}

/**
 * Deletes the visible instances of a study, series or instance (docs/delete-and-changefeed.md).
 * Per instance: pending marker, then `created` → `deleting` under a lease (hidden at once), then
 * the `delete` change-feed event. All instances go through these steps together, so the writes
 * leave as transactions (100 entities, 49 feed events each). Resolves once every instance is
 * hidden and recorded; blobs and entities are removed in the background.
 */
export async function deleteInstances(scope: DeleteScope, log: (message: string) => void): Promise<DeleteOutcome> {
  const candidates = await listDeleteCandidates(scope);
  if (candidates.length === 0) return { found: 0, deleted: 0 };
  const leaseUntil = leaseEnd(getConfig().store.leaseSeconds);
  const outcomes = await Promise.allSettled(candidates.map((candidate) => hideAndRecord(candidate, leaseUntil)));
  const hidden = outcomes.flatMap((o) => (o.status === 'fulfilled' && o.value ? [o.value] : []));
  // Search must not find them after the 204; if this fails, the background finish refreshes again.
  if (hidden.length > 0)
    await refreshStudy(scope.studyInstanceUid).catch((error: unknown) =>
      log(`Search summary of ${scope.studyInstanceUid} left for the finisher: ${String(error)}`),
    );
  // Whatever was recorded is finished now, even if another instance failed: the sweeper takes the rest.
  // It outlives the invocation, whose context would only warn of a late log call: the worker's
  // console (forwarded to the host's log) takes its messages.
  finishInBackground(hidden, console.warn);
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
  return { found: candidates.length, deleted: hidden.length };
}

/** Undefined when another request changed the instance first (a concurrent delete hid it). */
async function hideAndRecord(candidate: DeleteCandidate, leaseUntil: Date): Promise<HiddenInstance | undefined> {
  // The marker first: a crash after the hide must leave something for the sweeper to find.
  await writeDeleteMarker(candidate.key, candidate.version);
  const etag = await hideInstance(candidate.key, candidate.etag, leaseUntil);
  if (etag === undefined) return undefined;
  await changeFeed().append({ action: 'delete', ...candidate.key, version: candidate.version });
  return { key: candidate.key, version: candidate.version, etag, originalVersion: candidate.originalVersion };
}
