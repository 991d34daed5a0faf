// Timer: every 5 minutes, finish store attempts whose process died (docs/consistency.md).
import { getConfig } from '../shared/config';
import { sweepAbandonedStores as sweep } from '../shared/store/abandonedStoreSweeper';
import { ensureStorage } from '../shared/storage/provision';
import { registerTimer, type TimerFunction } from '../shared/timers/timerTable';

export const sweepAbandonedStores: TimerFunction['handler'] = async (_timer, context) => {
  await ensureStorage();
  // A marker older than twice the lease belongs to an attempt that stopped renewing it.
  const olderThan = new Date(Date.now() - 2 * getConfig().store.leaseSeconds * 1000);
  const result = await sweep(olderThan, (message) => context.warn(message));
  if (result.examined > 0) context.log(`Abandoned stores: ${JSON.stringify(result)}`);
};

registerTimer({
  name: 'sweepAbandonedStores',
  schedule: '0 */5 * * * *',
  localIntervalMs: 5 * 60 * 1000,
  handler: sweepAbandonedStores,
});
