// Timer: every 5 minutes, finish store attempts whose process died (docs/consistency.md).
import { app, type Timer, type InvocationContext } from '@azure/functions';
import { getConfig } from '../shared/config';
import { sweepAbandonedStores as sweep } from '../shared/store/abandonedStoreSweeper';
import { ensureStorage } from '../shared/storage/provision';

export async function sweepAbandonedStores(_timer: Timer, context: InvocationContext): Promise<void> {
  await ensureStorage();
  // A marker older than twice the lease belongs to an attempt that stopped renewing it.
  const olderThan = new Date(Date.now() - 2 * getConfig().store.leaseSeconds * 1000);
  const result = await sweep(olderThan, (message) => context.warn(message));
  if (result.examined > 0) context.log(`Abandoned stores: ${JSON.stringify(result)}`);
}

app.timer('sweepAbandonedStores', { schedule: '0 */5 * * * *', handler: sweepAbandonedStores });
