/**
 * Watches the server under a hostile load from a worker thread, so the bench's own work (making
 * bodies, reading answers) cannot delay the readings: `/health` every `healthEveryMs` (latency of
 * each) and the server's memory every `memoryEveryMs` (/proc VmRSS and VmHWM).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { readMemory } from './procfs';

export interface WatchOptions {
  readonly healthUrl: string;
  readonly pid: number;
  readonly healthEveryMs: number;
  readonly memoryEveryMs: number;
}

export interface MemorySample {
  readonly at: number;
  readonly rssKiB: number;
  readonly hwmKiB: number;
}

export interface WatchReport {
  /** [time sent (epoch ms), latency ms, status (0: no answer)] of each /health request. */
  readonly health: [number, number, number][];
  readonly memory: MemorySample[];
}

export class ServerWatch {
  private readonly worker: Worker;

  constructor(options: WatchOptions) {
    this.worker = new Worker(__filename, { workerData: options });
  }

  /** Stops watching and returns every reading. */
  async stop(): Promise<WatchReport> {
    const report = new Promise<WatchReport>((resolve) => this.worker.once('message', resolve));
    this.worker.postMessage('stop');
    const result = await report;
    await this.worker.terminate();
    return result;
  }
}

function watch(options: WatchOptions): void {
  const health: [number, number, number][] = [];
  const memory: MemorySample[] = [];
  let stopped = false;
  const sampleMemory = (): void => {
    const reading = readMemory(options.pid);
    if (reading) memory.push({ at: Date.now(), rssKiB: reading.rssKiB, hwmKiB: reading.hwmKiB });
  };
  const memoryTimer = setInterval(sampleMemory, options.memoryEveryMs);
  // One /health at a time, the next `healthEveryMs` after the last answer began.
  const poll = async (): Promise<void> => {
    while (!stopped) {
      const at = Date.now();
      const started = performance.now();
      let status = 0;
      try {
        const response = await fetch(options.healthUrl, { signal: AbortSignal.timeout(30_000) });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = 0;
      }
      const ms = performance.now() - started;
      health.push([at, ms, status]);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, options.healthEveryMs - ms)));
    }
  };
  const polling = poll();
  parentPort?.once('message', () => {
    stopped = true;
    clearInterval(memoryTimer);
    sampleMemory();
    void polling.then(() => parentPort?.postMessage({ health, memory } satisfies WatchReport));
  });
}

if (!isMainThread) watch(workerData as WatchOptions);

/** The diagnostic lines of DICOM_DIAG_EVENT_LOOP: [end of interval (epoch ms), max delay ms]. */
export class EventLoopLog {
  readonly intervals: [number, number][] = [];

  /** Give it every line the server prints. */
  readonly onLine = (line: string): void => {
    const match = /event-loop-delay max=([\d.]+)ms .*at=(\d+)/.exec(line);
    if (match) this.intervals.push([Number(match[2]), Number(match[1])]);
  };

  /** The largest delay reported for intervals ending in [from, to]. */
  maxBetween(from: number, to: number): number {
    let max = 0;
    for (const [at, ms] of this.intervals) if (at >= from && at <= to) max = Math.max(max, ms);
    return max;
  }
}

/** The p-th percentile (0-100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
