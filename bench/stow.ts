/**
 * STOW-RS benchmark client for any DICOMweb base URL (ours, Orthanc, the Azure DICOM service).
 *
 *   node dist/bench/stow.js --base http://127.0.0.1:8042/dicom-web --concurrency 1,4,16 --seconds 8 \
 *     [--warmup 1] [--instances-per-study 10] [--big-gb 1 --pid N] [--header 'Authorization: Bearer …']
 *
 * Throughput: ~512 KiB instances, one per request, POSTed to {base}/studies by `concurrency` workers for
 * `--seconds` after `--warmup` seconds whose results are dropped.
 * Large upload (--big-gb): one multi-frame instance streamed as one request while the server's resident memory
 * is sampled from /proc/PID/status every 100 ms (--pid; without it only the upload rate is reported).
 * Prints a table, then one JSON line (starting with `{"bench":"stow"`) for machines.
 */
import type http from 'node:http';
import { parseArgs } from 'node:util';
import { integersAtLeast, numberAtLeast } from './cliArgs';
import { asError, keepAliveAgent, post, type PostResult } from './httpPost';
import { availableParallelism } from 'node:os';
import { busyShare, cpuSeconds, descendants, machineCpu, MemorySampler, readMemory, type MachineCpu } from './procfs';
import { bigMultiFrameInstance, STOW_CONTENT_TYPE, StudyShapedInstances } from './stowInstances';

const SMALL_PIXEL_BYTES = 512 * 1024;
const MB = 1e6;
/** Stop a level early when this many requests failed and none succeeded: the server is not storing anything. */
const HOPELESS_ERRORS = 20;

export interface StowTarget {
  /** The DICOMweb root; `/studies` is appended. */
  readonly base: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LevelOptions {
  readonly concurrency: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly instancesPerStudy: number;
  /** Upper bound on requests in the measured phase, whatever the duration (a bounded loop). */
  readonly maxRequests?: number;
  readonly timeoutMs?: number;
  /**
   * Processes whose CPU time counts as the server's (the server and, say, its storage emulator).
   * CPU per instance stays comparable when other work on the machine makes throughput noisy.
   */
  readonly serverPids?: readonly number[];
}

/** CPU used during the measured phase, in cores (CPU seconds per wall second). */
export interface LevelCpu {
  /** The server processes (`serverPids`); null when none were given. */
  readonly serverCores: number | null;
  readonly clientCores: number;
  /** Everything on the machine, out of `cores`: above server + client means something else competed. */
  readonly machineCores: number | null;
  readonly cores: number;
  /** Server CPU milliseconds per stored instance. */
  readonly serverCpuMsPerInstance: number | null;
}

export interface LevelResult {
  readonly concurrency: number;
  readonly seconds: number;
  readonly stored: number;
  readonly errors: number;
  readonly instancesPerSecond: number;
  readonly megabytesPerSecond: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly instanceBytes: number;
  /** The first failure: status and body, or the network error. */
  readonly firstError: string | null;
  /** Set when the level stopped early because nothing was being stored. */
  readonly abandoned: boolean;
  readonly cpu: LevelCpu | null;
}

export interface BigUploadResult {
  readonly gibibytes: number;
  readonly requestBytes: number;
  readonly frames: number;
  readonly status: number | null;
  /** Until the response ended. */
  readonly seconds: number;
  /** Until the last body byte was sent; the rest of `seconds` is the server working after the upload. */
  readonly uploadSeconds: number | null;
  /** Request bytes over `seconds`: the rate a client sees, upload and storing together. */
  readonly megabytesPerSecond: number;
  readonly error: string | null;
  /** Server memory, MiB; null without a pid. */
  readonly idleRssMiB: number | null;
  readonly peakRssMiB: number | null;
  readonly peakMinusIdleMiB: number | null;
  /** The server's VmHWM before and after: it catches a peak between two samples if it exceeds all earlier ones. */
  readonly hwmBeforeMiB: number | null;
  readonly hwmAfterMiB: number | null;
  /** This client's own peak RSS, MiB: shows the body was streamed, not built in memory. */
  readonly clientMaxRssMiB: number;
}

function studiesUrl(target: StowTarget): URL {
  return new URL(`${target.base.replace(/\/+$/, '')}/studies`);
}

function stowHeaders(target: StowTarget): Record<string, string> {
  return { 'content-type': STOW_CONTENT_TYPE, accept: 'application/dicom+json', ...target.headers };
}

function describeFailure(result: PostResult): string {
  return `HTTP ${result.status}: ${result.body.trim().slice(0, 1000) || '(empty body)'}`;
}

/** 200 means every instance was stored; anything else (202 partial, 409 none, 4xx/5xx) is a failure here. */
function stored(result: PostResult): boolean {
  return result.status === 200;
}

export async function runLevel(target: StowTarget, options: LevelOptions): Promise<LevelResult> {
  const url = studiesUrl(target);
  const headers = stowHeaders(target);
  const agent = keepAliveAgent(url, options.concurrency);
  const instances = new StudyShapedInstances(SMALL_PIXEL_BYTES, options.instancesPerStudy);
  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    // Warm-up: connections opened, JIT and caches warm on both sides; its numbers are dropped.
    const warm = await phase(url, agent, headers, instances, options.concurrency, options.warmupSeconds, timeoutMs);
    if (warm.abandoned) return summarize(options, instances.instanceBytes, warm, null);
    const cpuBefore = cpuReading(options.serverPids);
    const measured = await phase(
      url,
      agent,
      headers,
      instances,
      options.concurrency,
      options.seconds,
      timeoutMs,
      options.maxRequests,
    );
    const cpu = cpuUsed(cpuBefore, cpuReading(options.serverPids), measured);
    return summarize(options, instances.instanceBytes, measured, cpu, warm.firstError);
  } finally {
    agent.destroy();
  }
}

interface PhaseTally {
  seconds: number;
  stored: number;
  errors: number;
  bytes: number;
  latencies: number[];
  firstError: string | null;
  abandoned: boolean;
}

async function phase(
  url: URL,
  agent: http.Agent,
  headers: Record<string, string>,
  instances: StudyShapedInstances,
  concurrency: number,
  seconds: number,
  timeoutMs: number,
  maxRequests = Number.MAX_SAFE_INTEGER,
): Promise<PhaseTally> {
  const tally: PhaseTally = {
    seconds: 0,
    stored: 0,
    errors: 0,
    bytes: 0,
    latencies: [],
    firstError: null,
    abandoned: false,
  };
  if (seconds <= 0) return tally;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline && issued < maxRequests && !tally.abandoned) {
      issued += 1;
      const instance = instances.next();
      try {
        const result = await post(url, agent, headers, instance.body, timeoutMs);
        if (stored(result)) {
          tally.stored += 1;
          tally.bytes += instance.body.length;
          tally.latencies.push(result.milliseconds);
        } else {
          tally.errors += 1;
          tally.firstError ??= describeFailure(result);
        }
      } catch (error) {
        tally.errors += 1;
        tally.firstError ??= asError(error).message;
      }
      if (tally.stored === 0 && tally.errors >= HOPELESS_ERRORS) tally.abandoned = true;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  // Requests in flight at the deadline are counted, so the elapsed time runs until the last one ends.
  tally.seconds = (performance.now() - started) / 1000;
  return tally;
}

interface CpuReading {
  readonly server: number | null;
  readonly client: NodeJS.CpuUsage;
  readonly machine: MachineCpu | undefined;
}

function cpuReading(serverPids: readonly number[] | undefined): CpuReading {
  return {
    server: serverPids && serverPids.length > 0 ? cpuSeconds(serverPids) : null,
    client: process.cpuUsage(),
    machine: machineCpu(),
  };
}

function cpuUsed(before: CpuReading, after: CpuReading, tally: PhaseTally): LevelCpu {
  const seconds = tally.seconds || 1;
  const cores = availableParallelism();
  const server = before.server === null || after.server === null ? null : after.server - before.server;
  const client = process.cpuUsage(before.client);
  const busy = busyShare(before.machine, after.machine);
  return {
    serverCores: server === null ? null : round(server / seconds, 2),
    clientCores: round((client.user + client.system) / 1e6 / seconds, 2),
    machineCores: busy === null ? null : round(busy * cores, 2),
    cores,
    serverCpuMsPerInstance: server === null || tally.stored === 0 ? null : round((1000 * server) / tally.stored, 2),
  };
}

function summarize(
  options: LevelOptions,
  instanceBytes: number,
  tally: PhaseTally,
  cpu: LevelCpu | null,
  earlierError: string | null = null,
): LevelResult {
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  const seconds = tally.seconds || 1;
  return {
    concurrency: options.concurrency,
    seconds: round(tally.seconds, 2),
    stored: tally.stored,
    errors: tally.errors,
    instancesPerSecond: round(tally.stored / seconds, 1),
    megabytesPerSecond: round(tally.bytes / MB / seconds, 1),
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    instanceBytes,
    firstError: tally.firstError ?? earlierError,
    abandoned: tally.abandoned,
    cpu,
  };
}

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const value = sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  return value === undefined ? null : round(value, 1);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface BigUploadOptions {
  readonly gibibytes: number;
  readonly pid?: number;
  readonly timeoutMs?: number;
}

export async function runBigUpload(target: StowTarget, options: BigUploadOptions): Promise<BigUploadResult> {
  const url = studiesUrl(target);
  const agent = keepAliveAgent(url, 1);
  const instance = bigMultiFrameInstance(options.gibibytes);
  const pid = options.pid;
  const kib = (value: number): number => round(value / 1024, 1);
  try {
    // Idle: the median of a second of samples, so one GC or background flush does not decide it.
    const idleReadings: number[] = [];
    let hwmBefore: number | null = null;
    if (pid !== undefined) {
      for (let i = 0; i < 10; i += 1) {
        const reading = readMemory(pid);
        if (!reading) throw new Error(`No process ${pid} (cannot read /proc/${pid}/status)`);
        idleReadings.push(reading.rssKiB);
        hwmBefore = reading.hwmKiB;
        await sleep(100);
      }
    }
    const sampler = pid === undefined ? undefined : new MemorySampler(pid, 100);
    const started = performance.now();
    let result: PostResult | undefined;
    let error: string | null = null;
    try {
      result = await post(url, agent, stowHeaders(target), instance.body, options.timeoutMs ?? 600_000);
      if (!stored(result)) error = describeFailure(result);
    } catch (failure) {
      error = asError(failure).message;
    }
    const seconds = (performance.now() - started) / 1000;
    const sentMs = result?.bodySentMilliseconds ?? null;
    // Memory the server still holds just after answering belongs to this upload too.
    if (sampler) await sleep(500);
    const peak = sampler?.stop();

    const idleKiB = median(idleReadings);
    const hwmAfter = peak?.last?.hwmKiB ?? null;
    let peakKiB = peak?.peakRssKiB ?? null;
    // A single process whose lifetime peak rose during the upload peaked at its new VmHWM, maybe between samples.
    if (peakKiB !== null && hwmBefore !== null && hwmAfter !== null && hwmAfter > hwmBefore) {
      if (peak?.last?.processes === 1) peakKiB = Math.max(peakKiB, hwmAfter);
    }
    return {
      gibibytes: options.gibibytes,
      requestBytes: instance.body.length,
      frames: instance.frames,
      status: result?.status ?? null,
      seconds: round(seconds, 2),
      uploadSeconds: sentMs === null ? null : round(sentMs / 1000, 2),
      megabytesPerSecond: round(instance.body.length / MB / seconds, 1),
      error,
      idleRssMiB: idleKiB === null ? null : kib(idleKiB),
      peakRssMiB: peakKiB === null ? null : kib(peakKiB),
      peakMinusIdleMiB: peakKiB === null || idleKiB === null ? null : kib(peakKiB - idleKiB),
      hwmBeforeMiB: hwmBefore === null ? null : kib(hwmBefore),
      hwmAfterMiB: hwmAfter === null ? null : kib(hwmAfter),
      clientMaxRssMiB: round(process.resourceUsage().maxRSS / 1024, 1),
    };
  } finally {
    agent.destroy();
  }
}

function median(values: readonly number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface StowReport {
  readonly base: string;
  readonly levels: readonly LevelResult[];
  readonly big: BigUploadResult | null;
}

export interface StowOptions {
  readonly concurrency: readonly number[];
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly instancesPerStudy: number;
  readonly bigGiB: number;
  /** The server process: its memory is sampled during the large upload. */
  readonly pid?: number;
  /** Whose CPU counts as the server's; default the pid and its descendants. */
  readonly serverPids?: readonly number[];
  readonly maxRequests?: number;
  /** Called after each step, so a long run shows progress. */
  readonly progress?: (line: string) => void;
}

/** Every level, then the large upload; stops after a level the server failed entirely. */
export async function runStow(target: StowTarget, options: StowOptions): Promise<StowReport> {
  const levels: LevelResult[] = [];
  const serverPids =
    options.serverPids ?? (options.pid === undefined ? [] : [options.pid, ...descendants(options.pid)]);
  for (const concurrency of options.concurrency) {
    const level = await runLevel(target, { ...options, concurrency, serverPids });
    levels.push(level);
    options.progress?.(levelLine(level));
    if (level.abandoned) {
      options.progress?.(
        `  stopping: ${level.errors} requests failed and none stored; first error: ${level.firstError}`,
      );
      return { base: target.base, levels, big: null };
    }
  }
  let big: BigUploadResult | null = null;
  if (options.bigGiB > 0) {
    big = await runBigUpload(target, { gibibytes: options.bigGiB, pid: options.pid });
    options.progress?.(bigLine(big));
  }
  return { base: target.base, levels, big };
}

const fmt = (value: number | null, width: number, digits = 1): string =>
  (value === null ? '-' : value.toFixed(digits)).padStart(width);

export const LEVEL_HEADER = 'conc  inst/s    MB/s  p50 ms  p95 ms  stored  errors  cores srv/cli/all  srv ms/inst';

export function levelLine(level: LevelResult): string {
  return [
    String(level.concurrency).padStart(4),
    fmt(level.instancesPerSecond, 7),
    fmt(level.megabytesPerSecond, 7),
    fmt(level.p50Ms, 7),
    fmt(level.p95Ms, 7),
    String(level.stored).padStart(7),
    String(level.errors).padStart(7),
    cpuCell(level.cpu).padStart(17),
    fmt(level.cpu?.serverCpuMsPerInstance ?? null, 12),
  ].join(' ');
}

function cpuCell(cpu: LevelCpu | null): string {
  if (!cpu) return '-';
  const part = (value: number | null): string => (value === null ? '-' : value.toFixed(1));
  return `${part(cpu.serverCores)}/${part(cpu.clientCores)}/${part(cpu.machineCores)}`;
}

export function bigLine(big: BigUploadResult): string {
  const outcome = big.error === null ? `HTTP ${big.status ?? '-'}` : `FAILED ${big.error.slice(0, 300)}`;
  const memory =
    big.peakRssMiB === null
      ? 'server RSS not sampled (no --pid)'
      : `server RSS idle ${fmt(big.idleRssMiB, 0, 0)} MiB, peak ${fmt(big.peakRssMiB, 0, 0)} MiB, ` +
        `peak-idle ${fmt(big.peakMinusIdleMiB, 0, 0)} MiB (VmHWM ${fmt(big.hwmBeforeMiB, 0, 0)} -> ${fmt(big.hwmAfterMiB, 0, 0)})`;
  return (
    `${big.gibibytes} GiB (${big.frames} frames, ${(big.requestBytes / MB).toFixed(0)} MB) in ${big.seconds.toFixed(1)} s ` +
    `= ${big.megabytesPerSecond.toFixed(1)} MB/s (body sent after ${fmt(big.uploadSeconds, 0)} s), ${outcome}; ${memory}; client max RSS ${big.clientMaxRssMiB.toFixed(0)} MiB`
  );
}

function parseNumber(name: string, text: string | undefined, fallback: number, min: number): number {
  return text === undefined ? fallback : numberAtLeast(name, text, min);
}

function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`--header wants "Name: value", not "${line}"`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string' },
      concurrency: { type: 'string', default: '1,4,16' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      'instances-per-study': { type: 'string' },
      'max-requests': { type: 'string' },
      'big-gb': { type: 'string' },
      pid: { type: 'string' },
      header: { type: 'string', multiple: true, default: [] },
    },
    strict: true,
  });
  if (!values.base) throw new Error('--base is required, e.g. --base http://127.0.0.1:8042/dicom-web');
  const target: StowTarget = { base: values.base, headers: parseHeaders(values.header) };
  const pid = values.pid === undefined ? undefined : parseNumber('pid', values.pid, 0, 1);
  const options: StowOptions = {
    concurrency: integersAtLeast('concurrency', values.concurrency, 1),
    seconds: parseNumber('seconds', values.seconds, 8, 0.1),
    warmupSeconds: parseNumber('warmup', values.warmup, 1, 0),
    instancesPerStudy: Math.floor(parseNumber('instances-per-study', values['instances-per-study'], 10, 1)),
    maxRequests: Math.floor(parseNumber('max-requests', values['max-requests'], 1_000_000, 1)),
    bigGiB: parseNumber('big-gb', values['big-gb'], 0, 0),
    pid,
    progress: (line) => console.log(line),
  };
  console.log(
    `STOW-RS ${studiesUrl(target).href}: ~512 KiB instances, ${options.instancesPerStudy} per study, one per request, ` +
      `${options.warmupSeconds} s warm-up + ${options.seconds} s per level`,
  );
  console.log(LEVEL_HEADER);
  const report = await runStow(target, options);
  const failed = report.levels.find((level) => level.firstError !== null);
  if (failed && !failed.abandoned) console.log(`first error (concurrency ${failed.concurrency}): ${failed.firstError}`);
  console.log(JSON.stringify({ bench: 'stow', ...report }));
  const anyStored = report.levels.some((level) => level.stored > 0);
  if (!anyStored || report.levels.some((level) => level.abandoned) || (report.big && report.big.error)) {
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(asError(error).message);
    process.exitCode = 1;
  });
}
