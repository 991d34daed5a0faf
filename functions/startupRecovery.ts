// appStart hook: before the app reports ready, finish what a crashed process left half-visible
// (docs/consistency.md, "Recovery at start-up").
//
// The Node worker awaits appStart hooks before it answers the host's init request, so no request
// reaches the app before they end: azure-functions-nodejs-worker src/eventHandlers/WorkerInitHandler.ts
// awaits startApp(), and src/startApp.ts awaits executeHooks('appStart', …) after loading the entry
// point (read at commit 2876343942423f1b18483d99bcd8461bd5297a9c). A hook that throws fails the
// worker's init, so this one never throws. The local host does the same (host/worker/nodeWorker.ts).
import { app } from '@azure/functions';
import { numberStrandedCommits } from '../shared/changefeed/strandedCommits';
import { getConfig } from '../shared/config';
import { forEveryPartition, partitionLabel } from '../shared/partitions/everyPartition';
import { staleMarkerMs } from '../shared/store/leaseKeeper';
import { recoverAtStartup } from '../shared/store/startupRecovery';

/** Start-up waits at most this long; storage trouble must not keep the app from starting. */
const BUDGET_MS = 20_000;
/** Storage that does not answer the marker listing within this is left to the timer sweeper. */
const LIST_TIMEOUT_MS = 5_000;
const CONCURRENCY = 8;

export async function recoverPendingStores(log: (message: string) => void = console.warn): Promise<void> {
  try {
    const { leaseSeconds } = getConfig().store;
    const deadline = Date.now() + BUDGET_MS;
    // Commits staged but not numbered are in no feed read yet: number them before markers are settled.
    await numberStrandedCommits(LIST_TIMEOUT_MS, log);
    // Each data partition has its own pending markers (docs/partitions.md); they share the budget.
    await forEveryPartition(
      async (partition) => {
        const result = await recoverAtStartup(
          {
            budgetMs: Math.max(0, deadline - Date.now()),
            listTimeoutMs: LIST_TIMEOUT_MS,
            staleBefore: new Date(Date.now() - staleMarkerMs(leaseSeconds)),
            concurrency: CONCURRENCY,
          },
          log,
        );
        if (result.examined > 0) {
          console.log(`Start-up recovery of pending stores${partitionLabel(partition)}: ${JSON.stringify(result)}`);
        }
      },
      (partition, error) => log(`Start-up recovery of ${partition.name} skipped: ${String(error)}`),
    );
  } catch (error) {
    log(`Start-up recovery skipped: ${String(error)}`);
  }
}

app.hook.appStart(() => recoverPendingStores());
