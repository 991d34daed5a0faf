import { app, type InvocationContext, type Timer } from '@azure/functions';
import { LOCAL_HOST_ENV } from '../http/routeTable';

/** A timer-triggered function: an NCRONTAB schedule on Azure, an interval on the local host. */
export interface TimerFunction {
  readonly name: string;
  /** Six-field NCRONTAB, as the Functions host reads it. */
  readonly schedule: string;
  /** What the local host waits between runs (it has no cron). */
  readonly localIntervalMs: number;
  readonly handler: (timer: Timer | undefined, context: InvocationContext) => Promise<void>;
}

const timers: TimerFunction[] = [];

export function registerTimer(fn: TimerFunction): void {
  timers.push(fn);
  if (process.env[LOCAL_HOST_ENV] !== '1') {
    app.timer(fn.name, { schedule: fn.schedule, handler: (timer, context) => fn.handler(timer, context) });
  }
}

export function registeredTimers(): readonly TimerFunction[] {
  return [...timers];
}
