import { mapConcurrently } from '../changefeed/mapConcurrently';
import type { HiddenInstance } from './deleteScope';
import { refreshStudies } from '../search/summaryRefresh';
import { removeInstanceData } from './deleteFinisher';
import { deletePendingMarker } from '../storage/instanceRecords';

/** Instances whose blobs and entities are removed at once, per delete request. */
const FINISH_CONCURRENCY = 16;

const inFlight = new Set<Promise<void>>();

/**
 * Removes the blobs and entities of hidden instances after the response has gone out: a study of
 * thousands answers as soon as it is invisible. If the process dies (or the Functions host freezes
 * it) first, the pending markers remain and the sweeper finishes the job.
 */
export function finishInBackground(instances: readonly HiddenInstance[], log: (message: string) => void): void {
  const work = finishAll(instances, log).catch((error: unknown) =>
    log(`Delete of ${instances.length} instances left for the sweeper: ${String(error)}`),
  );
  inFlight.add(work);
  void work.finally(() => inFlight.delete(work));
}

/**
 * The steps of finishDelete, with one search refresh per study for all the instances instead of
 * one per instance; markers go last, so whatever fails is left to the sweeper.
 */
async function finishAll(instances: readonly HiddenInstance[], log: (message: string) => void): Promise<void> {
  const removed = await mapConcurrently(instances, FINISH_CONCURRENCY, (instance) =>
    removeInstanceData(instance).then(
      () => true,
      (error: unknown) => {
        log(`Delete of ${instance.key.sopInstanceUid}/${instance.version} left for the sweeper: ${String(error)}`);
        return false;
      },
    ),
  );
  const done = instances.filter((_, i) => removed[i]);
  await refreshStudies(done.map((i) => i.key.studyInstanceUid));
  await mapConcurrently(done, FINISH_CONCURRENCY, (i) => deletePendingMarker(i.key, i.version));
}

/** Resolves when every background delete of this process has finished (tests, benchmarks, shutdown). */
export async function backgroundDeletesSettled(): Promise<void> {
  while (inFlight.size > 0) await Promise.all(inFlight);
}
