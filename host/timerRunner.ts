import { randomUUID } from 'node:crypto';
import type { TimerFunction } from '../shared/timers/timerTable';
import { createInvocationContext, type InvocationLogger } from './invocationLog';

/**
 * Runs the app's timer functions on the local host, which has no cron: each at its own interval,
 * never two runs of one timer at once. Returns a function that stops them all.
 */
export function startTimers(timers: readonly TimerFunction[], logger: InvocationLogger): () => void {
  const handles = timers.map((timer) => {
    let running = false;
    const handle = setInterval(() => {
      if (running) return;
      running = true;
      const context = createInvocationContext(timer.name, randomUUID(), logger);
      timer
        .handler(undefined, context)
        .catch((error: unknown) => context.error('Timer run failed:', error))
        .finally(() => (running = false));
    }, timer.localIntervalMs);
    handle.unref();
    return handle;
  });
  return () => handles.forEach((handle) => clearInterval(handle));
}
