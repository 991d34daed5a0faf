// Timer: every 5 minutes, finish store attempts whose process died (docs/consistency.md).
import { app, type Timer, type InvocationContext } from '@azure/functions';
import { numberStrandedCommits } from '../shared/changefeed/strandedCommits';
import { getConfig } from '../shared/config';
import { forEveryPartition, partitionLabel } from '../shared/partitions/everyPartition';
import { sweepAbandonedStores as sweep } from '../shared/store/abandonedStoreSweeper';
import { staleMarkerMs } from '../shared/store/leaseKeeper';
import { ensureStorage } from '../shared/storage/provision';

export async function sweepAbandonedStores(_timer: Timer, context: InvocationContext): Promise<void> {
  await ensureStorage();
  await numberStrandedCommits(60_000, (message) => context.warn(message));
  // Markers older than one lease: what start-up recovery did not reach (or what another instance
  // of the app left while this one runs); younger ones belong to requests still running.
  const olderThan = new Date(Date.now() - staleMarkerMs(getConfig().store.leaseSeconds));
  // Each data partition has its own pending markers (docs/partitions.md).
  await forEveryPartition(
    async (partition) => {
      const result = await sweep(olderThan, (message) => context.warn(message));
      if (result.examined > 0) context.log(`Abandoned stores${partitionLabel(partition)}: ${JSON.stringify(result)}`);
    },
    (partition, error) => context.warn(`Sweep of ${partition.name} failed, will retry: ${String(error)}`),
  );
}

app.timer('sweepAbandonedStores', { schedule: '0 */5 * * * *', handler: sweepAbandonedStores });
