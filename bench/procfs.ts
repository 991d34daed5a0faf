/**
 * What the benchmarks read from /proc: a server's resident memory (sampled on a timer), the CPU time
 * its processes use, and how busy the whole machine is. Linux only; elsewhere the readings are absent.
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
export function descendants(pid: number): number[] {
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

/** Kernel clock ticks per second for /proc times; 100 on every mainstream Linux build (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

/** User plus system CPU seconds used so far by these processes (ended ones count 0). */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      continue;
    }
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0); // utime, stime (fields 14 and 15)
  }
  return ticks / CLOCK_TICKS;
}

/** The command line of a process, arguments joined by spaces; '' when it cannot be read. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ');
  } catch {
    return '';
  }
}

export interface MachineCpu {
  /** Busy and total time summed over all cores, in clock ticks. */
  readonly busy: number;
  readonly total: number;
}

export function machineCpu(): MachineCpu | undefined {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'latin1').split('\n')[0];
  } catch {
    return undefined;
  }
  // "cpu user nice system idle iowait irq softirq steal ...": idle and iowait are the idle columns.
  const fields = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** The share of all cores busy between two readings, 0 to 1. */
export function busyShare(before: MachineCpu | undefined, after: MachineCpu | undefined): number | null {
  if (!before || !after || after.total <= before.total) return null;
  return (after.busy - before.busy) / (after.total - before.total);
}

/** Percent of all cores busy over the next `ms` milliseconds. */
export async function busyPercent(ms = 1000): Promise<number | null> {
  const before = machineCpu();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const share = busyShare(before, machineCpu());
  return share === null ? null : Math.round(100 * share);
}
