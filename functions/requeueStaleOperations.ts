// Timer (every minute; one range read of the active index per run) and start-up: operations whose
// step message was lost get a new one (docs/operations.md, "Lost messages").
import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getConfig } from '../shared/config';
import { requeueStaleOperations as requeue } from '../shared/operations/staleOperations';
import { ensureStorage } from '../shared/storage/provision';
import { isStorageStatus } from '../shared/storage/storageErrors';

/** At start-up, what a crashed process left: idle this long (or the stale bound, if shorter). */
const STARTUP_IDLE_MS = 15_000;

export async function requeueStaleOperations(_timer: Timer, context: InvocationContext): Promise<void> {
  await ensureStorage();
  const result = await requeue(getConfig().operations.staleSeconds * 1000, (line) => context.warn(line));
  if (result.requeued + result.failed + result.cleaned > 0) context.log(`Stale operations: ${JSON.stringify(result)}`);
}

/** appStart hook: never throws (a failing hook would fail the worker's start). */
export async function requeueOperationsAtStartup(log: (message: string) => void = console.warn): Promise<void> {
  try {
    const idle = Math.min(STARTUP_IDLE_MS, getConfig().operations.staleSeconds * 1000);
    const result = await requeue(idle, log);
    if (result.requeued > 0) console.log(`Start-up: operations resumed: ${JSON.stringify(result)}`);
  } catch (error) {
    // No table yet: a first start, with nothing to resume.
    if (isStorageStatus(error, 404)) return;
    log(`Start-up requeue of operations skipped: ${String(error)}`);
  }
}

app.timer('requeueStaleOperations', { schedule: '0 * * * * *', handler: requeueStaleOperations });
app.hook.appStart(() => requeueOperationsAtStartup());
