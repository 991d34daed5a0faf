/**
 * Resident memory of a server process (and its child processes) read from /proc, sampled on a timer.
 * Linux only; elsewhere the readings are simply absent.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface MemoryReading {
  /** VmRSS summed over the process and its descendants, in KiB. */
  readonly rssKiB: number;
  /** VmHWM (peak resident size since start) of the process itself, in KiB. */
  readonly hwmKiB: number;
  /** How many processes the RSS sums (1 when the server runs no child processes). */
  readonly processes: number;
}

export function readMemory(pid: number): MemoryReading | undefined {
  const own = readStatus(pid);
  if (!own) return undefined;
  let rssKiB = own.rssKiB;
  const children = descendants(pid);
  for (const child of children) rssKiB += readStatus(child)?.rssKiB ?? 0;
  return { rssKiB, hwmKiB: own.hwmKiB, processes: 1 + children.length };
}

export function isAlive(pid: number): boolean {
  return readStatus(pid) !== undefined;
}

function readStatus(pid: number): { rssKiB: number; hwmKiB: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return undefined;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKiB: field('VmRSS'), hwmKiB: field('VmHWM') };
}

/** Every process below `pid`, via /proc/PID/task/TID/children (a server that forks workers counts them all). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${next}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      let children: string;
      try {
        children = readFileSync(`/proc/${next}/task/${task}/children`, 'latin1');
      } catch {
        continue;
      }
      for (const child of children.split(' ').filter(Boolean).map(Number)) {
        found.push(child);
        pending.push(child);
      }
    }
  }
  return found;
}

export interface MemoryPeak {
  readonly peakRssKiB: number;
  readonly samples: number;
  readonly first: MemoryReading | undefined;
  readonly last: MemoryReading | undefined;
}

/** Samples `readMemory` every `intervalMs` until stopped; keeps the largest RSS seen. */
export class MemorySampler {
  private readonly timer: NodeJS.Timeout;
  private peakRssKiB = 0;
  private samples = 0;
  private first: MemoryReading | undefined;
  private last: MemoryReading | undefined;

  constructor(
    private readonly pid: number,
    intervalMs: number,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): MemoryPeak {
    clearInterval(this.timer);
    this.sample();
    return { peakRssKiB: this.peakRssKiB, samples: this.samples, first: this.first, last: this.last };
  }

  private sample(): void {
    const reading = readMemory(this.pid);
    if (!reading) return;
    this.first ??= reading;
    this.last = reading;
    this.samples += 1;
    this.peakRssKiB = Math.max(this.peakRssKiB, reading.rssKiB);
  }
}
