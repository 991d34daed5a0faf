import { mapConcurrently } from '../changefeed/mapConcurrently';
import type { HiddenInstance } from './deleteScope';
import { finishDelete } from './deleteFinisher';

/** Instances whose blobs and entities are removed at once, per delete request. */
const FINISH_CONCURRENCY = 16;

const inFlight = new Set<Promise<void>>();

/**
 * Removes the blobs and entities of hidden instances after the response has gone out: a study of
 * thousands answers as soon as it is invisible. If the process dies (or the Functions host freezes
 * it) first, the pending markers remain and the sweeper finishes the job.
 */
export function finishInBackground(instances: readonly HiddenInstance[], log: (message: string) => void): void {
  const work = mapConcurrently(instances, FINISH_CONCURRENCY, (instance) =>
    finishDelete(instance).catch((error: unknown) =>
      log(`Delete of ${instance.key.sopInstanceUid}/${instance.version} left for the sweeper: ${String(error)}`),
    ),
  ).then(() => undefined);
  inFlight.add(work);
  void work.finally(() => inFlight.delete(work));
}

/** Resolves when every background delete of this process has finished (tests, benchmarks, shutdown). */
export async function backgroundDeletesSettled(): Promise<void> {
  while (inFlight.size > 0) await Promise.all(inFlight);
}
