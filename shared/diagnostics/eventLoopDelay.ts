/**
 * Opt-in diagnostic (DICOM_DIAG_EVENT_LOOP): how long the event loop was blocked, logged to stderr
 * as `event-loop-delay max=… p99=… over=…` every interval. Off by default; the hostile-input
 * benchmarks turn it on to measure blocking inside the server process (issue 13's 100 ms bound).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export const EVENT_LOOP_DIAGNOSTIC_SETTING = 'DICOM_DIAG_EVENT_LOOP';
/** The line prefix the benchmarks look for. */
export const EVENT_LOOP_LINE_PREFIX = 'event-loop-delay';
const DEFAULT_INTERVAL_MS = 2000;
const MIN_INTERVAL_MS = 50;

/** `1`/`true`: every 2 s; a number of milliseconds (≥ 50): that often; unset, `0` or `false`: off. */
export function eventLoopIntervalMs(raw: string | undefined): number | undefined {
  const value = raw?.trim().toLowerCase();
  if (!value || value === '0' || value === 'false') return undefined;
  if (value === '1' || value === 'true') return DEFAULT_INTERVAL_MS;
  const ms = Number(value);
  if (!Number.isSafeInteger(ms) || ms < MIN_INTERVAL_MS) {
    throw new Error(
      `${EVENT_LOOP_DIAGNOSTIC_SETTING} must be true, false or an interval of at least ${MIN_INTERVAL_MS} ms`,
    );
  }
  return ms;
}

/** Starts the diagnostic when the setting asks for it; the timer never keeps the process alive. */
export function startEventLoopDiagnostic(env: NodeJS.ProcessEnv = process.env): void {
  let intervalMs: number | undefined;
  try {
    intervalMs = eventLoopIntervalMs(env[EVENT_LOOP_DIAGNOSTIC_SETTING]);
  } catch (error) {
    // A diagnostic must not stop the app from loading: say so and stay off.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}; the diagnostic is off\n`);
    return;
  }
  if (intervalMs === undefined) return;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let since = Date.now();
  setInterval(() => {
    const now = Date.now();
    // Nanoseconds; the sampling timer's own resolution is included, so an idle loop reads ~10 ms.
    const max = histogram.max / 1e6;
    const p99 = histogram.percentile(99) / 1e6;
    process.stderr.write(
      `${EVENT_LOOP_LINE_PREFIX} max=${max.toFixed(1)}ms p99=${p99.toFixed(1)}ms over=${now - since}ms at=${now}\n`,
    );
    histogram.reset();
    since = now;
  }, intervalMs).unref();
}
