/**
 * WADO-RS benchmark against our server (started here on an in-memory Azurite, as `npm run bench` does),
 * and with --orthanc against a fresh Orthanc too (scripts/orthanc.sh), one after the other:
 *
 *   npm run build && node dist/bench/wado.js [--orthanc] [--skip-ours] [--rounds 10] [--samples 40]
 *                    [--base URL (an already running server instead of starting ours)]
 *                    [--api-version v2] [--orthanc-state-dir /dev/shm/orthanc]
 *
 * Each server is loaded by STOW-RS with the same files (bench/wadoDataset.ts): a 100-instance study of
 * ~512 KiB instances, a 1,000-instance series of small instances, a 30-frame and a 1,000-frame
 * instance. Then, one request at a time: whole-study retrieve MB/s (transfer-syntax=*, and the server's
 * RSS and CPU meanwhile); for ours, the same retrieve in alternating rounds against the raw SDK making
 * its storage calls, alone and in a function with no DICOM code on the same host
 * (bench/studyEfficiency.ts); metadata p50/p95 for the study and for the series, and frame-k p50/p95 for
 * both multi-frame instances (the same pseudo-random frame numbers for every server). Every answer is
 * checked (status 200, part count, instance count, frame bytes) before its time counts; a failed check
 * fails that measurement loudly and the exit code is 1. A side-by-side table follows, then one JSON
 * line (starting with `{"bench":"wado"`) for machines.
 */
import http from 'node:http';
import { seededRandom } from '../test/support/seededRandom';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { numberAtLeast } from './cliArgs';
import { measureStudyEfficiency, type StudyEfficiency } from './studyEfficiency';
import { busyPercent, cpuSeconds, MemorySampler } from './procfs';
import { startOrthanc, startOurServer, type RunningServer } from './servers';
import {
  buildDataset,
  checkFrame,
  checkMetadata,
  checkStudy,
  stow,
  stowBatches,
  type MultiFrameInstance,
  type WadoDataset,
} from './wadoDataset';

const MB = 1e6;
const STUDY_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const JSON_ACCEPT = 'application/dicom+json';
const FRAME_ACCEPT = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
const REQUEST_TIMEOUT_MS = 120_000;

interface Answer {
  readonly ms: number;
  readonly bytes: number;
  readonly status: number;
  readonly contentType: string;
  /** The body, when asked to keep it. */
  readonly body: Buffer | undefined;
}

/** GETs a URL; the time stops at the body's last byte. Counts the body's bytes, and keeps them if asked. */
function timedGet(agent: http.Agent, url: string, accept: string, keep: boolean): Promise<Answer> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers: { Accept: accept }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keep) chunks.push(chunk);
      });
      res.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const body = keep ? Buffer.concat(chunks) : undefined;
        resolve({ ms, bytes, status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? '', body });
      });
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`${url}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    request.on('error', reject);
  });
}

function expectOk(answer: Answer, url: string): void {
  if (answer.status !== 200) {
    const text = answer.body?.toString('utf8', 0, 300) ?? '';
    throw new Error(`${url} answered ${answer.status}${text ? `: ${text}` : ''}`);
  }
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Deterministic frame numbers 1..frames, so every server is asked for the same frames. */
function frameNumbers(frames: number, count: number, seed: number): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => 1 + Math.floor(next() * frames));
}

interface StudyFigures {
  readonly megabytesPerSecond: number;
  /** The slowest and fastest round. */
  readonly roundMBps: readonly [number, number];
  readonly rounds: number;
  readonly megabytesPerRound: number;
  /** How many of the 100 parts are byte for byte the stored file. */
  readonly identicalParts: number;
  readonly rssBeforeMiB: number | null;
  readonly rssPeakMiB: number | null;
  /** Server CPU (ours: with Azurite) per whole-study retrieve. */
  readonly cpuMsPerRetrieve: number;
}

interface LatencyFigures {
  readonly p50: number;
  readonly p95: number;
  readonly samples: number;
  readonly bytesPerAnswer: number;
  /** Server CPU (ours: with Azurite) per request. */
  readonly cpuMsPerRequest: number;
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

interface TargetResult {
  readonly label: string;
  readonly description: string;
  /** Why nothing was measured (start-up or loading failed); null when the measurements ran. */
  readonly failure: string | null;
  readonly busyBeforePercent: number | null;
  /** os.loadavg() (1, 5, 15 min) before the measurements and after them. */
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly loadSeconds: number | null;
  readonly study?: Outcome<StudyFigures>;
  readonly efficiency?: Outcome<StudyEfficiency>;
  readonly studyMetadata?: Outcome<LatencyFigures>;
  readonly seriesMetadata?: Outcome<LatencyFigures>;
  readonly frame30?: Outcome<LatencyFigures>;
  readonly frame1000?: Outcome<LatencyFigures>;
}

interface Settings {
  readonly rounds: number;
  readonly samples: number;
}

async function attempt<T>(label: string, what: string, run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.log(`   ${label}: ${what} FAILED: ${message}`);
    return { ok: false, error: message };
  }
}

async function wholeStudy(
  agent: http.Agent,
  server: RunningServer,
  dataset: WadoDataset,
  settings: Settings,
  pid: number | undefined,
): Promise<StudyFigures> {
  const url = `${server.base}/studies/${dataset.study}`;
  // Warm-up, kept and checked part by part; the timed rounds count bytes only.
  const first = await timedGet(agent, url, STUDY_ACCEPT, true);
  expectOk(first, url);
  const identicalParts = checkStudy(first.body ?? Buffer.alloc(0), first.contentType, dataset);
  const sampler = pid === undefined ? undefined : new MemorySampler(pid, 50);
  const cpuBefore = cpuSeconds(server.cpuPids);
  let bytes = 0;
  let ms = 0;
  const roundMBps: number[] = [];
  for (let i = 0; i < settings.rounds; i += 1) {
    const answer = await timedGet(agent, url, STUDY_ACCEPT, false);
    expectOk(answer, url);
    if (answer.bytes < 0.99 * dataset.studyBytes) {
      throw new Error(`whole study round ${i + 1}: ${answer.bytes} bytes, ${dataset.studyBytes} stored`);
    }
    bytes += answer.bytes;
    ms += answer.ms;
    roundMBps.push(answer.bytes / MB / (answer.ms / 1000));
  }
  const cpuMsPerRetrieve = ((cpuSeconds(server.cpuPids) - cpuBefore) * 1000) / settings.rounds;
  const peak = sampler?.stop();
  return {
    megabytesPerSecond: bytes / MB / (ms / 1000),
    roundMBps: [Math.min(...roundMBps), Math.max(...roundMBps)],
    rounds: settings.rounds,
    megabytesPerRound: bytes / settings.rounds / MB,
    identicalParts,
    rssBeforeMiB: peak?.first ? peak.first.rssKiB / 1024 : null,
    rssPeakMiB: peak ? peak.peakRssKiB / 1024 : null,
    cpuMsPerRetrieve,
  };
}

/** One warm-up request, then `samples` timed ones; request i is `requests(i)`, its answer kept and checked. */
async function latencies(
  agent: http.Agent,
  server: RunningServer,
  settings: Settings,
  accept: string,
  request: (i: number) => { url: string; check: (body: Buffer, contentType: string) => void },
): Promise<LatencyFigures> {
  const run = async (i: number): Promise<Answer> => {
    const { url, check } = request(i);
    const answer = await timedGet(agent, url, accept, true);
    expectOk(answer, url);
    check(answer.body ?? Buffer.alloc(0), answer.contentType);
    return answer;
  };
  await run(settings.samples); // warm-up (one index past the timed ones)
  const times: number[] = [];
  let bytes = 0;
  // Over the whole loop: /proc counts CPU in 10 ms ticks, too coarse for one request. The server is
  // idle while the client checks an answer, so the checks add nothing to it.
  const cpuBefore = cpuSeconds(server.cpuPids);
  for (let i = 0; i < settings.samples; i += 1) {
    const answer = await run(i);
    times.push(answer.ms);
    bytes += answer.bytes;
  }
  const cpu = cpuSeconds(server.cpuPids) - cpuBefore;
  return {
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    samples: settings.samples,
    bytesPerAnswer: bytes / settings.samples,
    cpuMsPerRequest: (cpu * 1000) / settings.samples,
  };
}

function frameLatencies(
  agent: http.Agent,
  server: RunningServer,
  settings: Settings,
  instance: MultiFrameInstance,
): Promise<LatencyFigures> {
  const numbers = frameNumbers(instance.frames, settings.samples + 1, instance.frames);
  return latencies(agent, server, settings, FRAME_ACCEPT, (i) => {
    const k = numbers[i] ?? 1;
    return {
      url: `${server.base}/studies/${instance.study}/series/${instance.series}/instances/${instance.sop}/frames/${k}`,
      check: (body, contentType) => checkFrame(body, contentType, instance, k),
    };
  });
}

async function measure(
  start: () => Promise<RunningServer>,
  name: string,
  dataset: WadoDataset,
  settings: Settings,
  sampleMemory: boolean,
): Promise<TargetResult> {
  console.log(`\n== ${name}: starting`);
  const empty = { busyBeforePercent: null, loadBefore: [], loadAfter: [], loadSeconds: null };
  let server: RunningServer;
  try {
    server = await start();
  } catch (error) {
    const failure = `did not start: ${error instanceof Error ? error.message : String(error)}`;
    console.log(`== ${name} ${failure}`);
    return { label: name, description: '', failure, ...empty };
  }
  running.add(server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    console.log(`== ${server.label}: ${server.description}\n   DICOMweb root ${server.base}`);
    const loadStarted = performance.now();
    try {
      for (const batch of stowBatches(dataset)) await stow(server.base, batch);
    } catch (error) {
      const failure = `loading by STOW failed: ${error instanceof Error ? error.message : String(error)}`;
      console.log(`== ${server.label}: ${failure}`);
      return { label: server.label, description: server.description, failure, ...empty };
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    console.log(`   stored ${stowBatches(dataset).flat().length} instances in ${loadSeconds.toFixed(1)} s`);
    // Let the storing settle (Orthanc's index writes, Azurite's flushes) before anything is timed.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const busyBeforePercent = await busyPercent();
    if (busyBeforePercent !== null && busyBeforePercent > 10) {
      console.log(`   warning: ${busyBeforePercent}% of the CPU is busy before the run; the figures will be low`);
    }
    const loadBefore = os.loadavg();
    const label = server.label;
    const pid = sampleMemory ? server.pid : undefined;
    const study = await attempt(label, 'whole study', () => wholeStudy(agent, server, dataset, settings, pid));
    const connectionString = server.storageConnectionString;
    // Ours only: against the same storage calls with the raw SDK, alone and in a function with no DICOM code.
    const efficiency =
      study.ok && connectionString
        ? await attempt(label, 'whole study against the raw SDK', () =>
            measureStudyEfficiency({
              connectionString,
              study: dataset.study,
              studyBytes: dataset.studyBytes,
              ourStudyUrl: `${server.base}/studies/${dataset.study}`,
              ourPid: server.pid,
              storagePids: server.cpuPids.filter((pid) => pid !== server.pid),
              rounds: settings.rounds,
            }),
          )
        : undefined;
    if (efficiency?.ok) console.log(efficiencyTable(efficiency.value));
    const studyMetadata = await attempt(label, 'study metadata', () =>
      latencies(agent, server, settings, JSON_ACCEPT, () => ({
        url: `${server.base}/studies/${dataset.study}/metadata`,
        check: (body) => checkMetadata(body, dataset.studySops, 'study metadata'),
      })),
    );
    const seriesMetadata = await attempt(label, 'series metadata', () =>
      latencies(agent, server, settings, JSON_ACCEPT, () => ({
        url: `${server.base}/studies/${dataset.seriesStudy}/series/${dataset.series}/metadata`,
        check: (body) => checkMetadata(body, dataset.seriesSops, 'series metadata'),
      })),
    );
    const frame30 = await attempt(label, 'frames of 30', () => frameLatencies(agent, server, settings, dataset.thirty));
    const frame1000 = await attempt(label, 'frames of 1,000', () =>
      frameLatencies(agent, server, settings, dataset.thousand),
    );
    const loadAfter = os.loadavg();
    console.log(`   done; load average ${formatLoad(loadBefore)} before, ${formatLoad(loadAfter)} after`);
    return {
      label,
      description: server.description,
      failure: null,
      busyBeforePercent,
      loadBefore,
      loadAfter,
      loadSeconds,
      study,
      efficiency,
      studyMetadata,
      seriesMetadata,
      frame30,
      frame1000,
    };
  } finally {
    agent.destroy();
    running.delete(server);
    await server.stop();
  }
}

/** The three-way comparison of bench/studyEfficiency.ts, one line per contender, then the shares. */
function efficiencyTable(figures: StudyEfficiency): string {
  const pct = (r: { median: number; min: number; max: number }): string =>
    `${r.median.toFixed(0)} % (${r.min.toFixed(0)}-${r.max.toFixed(0)})`;
  const lines = [
    `   whole study, ${figures.rounds} alternating rounds of ${figures.retrievesPerRound} retrieves: median MB/s (slowest-fastest round), CPU ms per retrieve`,
    ...figures.contenders.map(
      (c) =>
        `     ${c.label.padEnd(13)} ${one(c.megabytesPerSecond.median).padStart(5)} (${one(c.megabytesPerSecond.min)}-${one(c.megabytesPerSecond.max)})` +
        `   process ${c.processCpuMs.toFixed(0)} ms, Azurite ${c.storageCpuMs.toFixed(0)} ms`,
    ),
    `     ours / pass-through (the server's own share): ${pct(figures.oursOfPassThrough)}`,
    `     ours / raw SDK: ${pct(figures.oursOfRaw)}; pass-through / raw SDK (platform and HTTP): ${pct(figures.passThroughOfRaw)}`,
  ];
  return lines.join('\n');
}

const formatLoad = (load: readonly number[]): string => load.map((value) => value.toFixed(2)).join(' ');
const one = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1));

function sideBySide(results: readonly TargetResult[], dataset: WadoDataset, settings: Settings): string {
  const width = 34;
  const labelWidth = 42;
  type Row = readonly [string, (result: TargetResult) => string];
  const cell = <T>(outcome: Outcome<T> | undefined, format: (value: T) => string): string =>
    outcome === undefined ? '-' : outcome.ok ? format(outcome.value) : 'FAILED (see below)';
  const latency = (pick: (r: TargetResult) => Outcome<LatencyFigures> | undefined) => (r: TargetResult) =>
    cell(pick(r), (v) => `${one(v.p50)} / ${one(v.p95)}  (CPU ${one(v.cpuMsPerRequest)})`);
  const studyMB = (dataset.studyBytes / MB).toFixed(1);
  const rows: Row[] = [
    [
      `whole study MB/s (slowest-fastest round)`,
      (r) => cell(r.study, (v) => `${one(v.megabytesPerSecond)} (${one(v.roundMBps[0])}-${one(v.roundMBps[1])})`),
    ],
    [`  server CPU ms per retrieve`, (r) => cell(r.study, (v) => one(v.cpuMsPerRetrieve))],
    [
      `  server RSS MiB before -> peak`,
      (r) =>
        cell(r.study, (v) =>
          v.rssBeforeMiB === null || v.rssPeakMiB === null ? '-' : `${one(v.rssBeforeMiB)} -> ${one(v.rssPeakMiB)}`,
        ),
    ],
    [`  parts identical to the stored files`, (r) => cell(r.study, (v) => `${v.identicalParts} of 100`)],
    [`metadata, study of 100: p50 / p95 ms`, latency((r) => r.studyMetadata)],
    [`metadata, series of 1,000: p50 / p95 ms`, latency((r) => r.seriesMetadata)],
    [`frame k of 30 frames: p50 / p95 ms`, latency((r) => r.frame30)],
    [`frame k of 1,000 frames: p50 / p95 ms`, latency((r) => r.frame1000)],
    [`load average 1/5/15 min before`, (r) => (r.loadBefore.length ? formatLoad(r.loadBefore) : '-')],
    [`load average 1/5/15 min after`, (r) => (r.loadAfter.length ? formatLoad(r.loadAfter) : '-')],
    [`CPU busy before (1 s, all cores)`, (r) => (r.busyBeforePercent === null ? '-' : `${r.busyBeforePercent}%`)],
    [`loading by STOW, s`, (r) => (r.loadSeconds === null ? '-' : r.loadSeconds.toFixed(1))],
  ];
  const lines = [
    `\nWADO-RS, one request at a time, client and server on this machine (${os.cpus().length} cores); ` +
      `whole study = ${dataset.studyFiles.length} x ~512 KiB (${studyMB} MB), ${settings.rounds} rounds after a warm-up; ` +
      `latencies over ${settings.samples} requests after a warm-up; CPU = server CPU ms per request ` +
      `(ours: server and Azurite together)`,
  ];
  for (const result of results) {
    if (result.description) lines.push(`  ${result.label}: ${result.description}`);
  }
  lines.push(`${''.padEnd(labelWidth)}${results.map((r) => r.label.padEnd(width)).join('')}`);
  for (const [label, format] of rows) {
    lines.push(
      `${label.padEnd(labelWidth)}${results.map((r) => (r.failure ? '-' : format(r)).padEnd(width)).join('')}`,
    );
  }
  for (const result of results) {
    if (result.failure) lines.push(`${result.label}: ${result.failure}`);
    const failed = (
      [
        ['whole study', result.study],
        ['whole study against the raw SDK', result.efficiency],
        ['study metadata', result.studyMetadata],
        ['series metadata', result.seriesMetadata],
        ['frames of 30', result.frame30],
        ['frames of 1,000', result.frame1000],
      ] as const
    ).filter(([, outcome]) => outcome !== undefined && !outcome.ok);
    for (const [what, outcome] of failed) {
      if (outcome && !outcome.ok) lines.push(`${result.label}: ${what} FAILED: ${outcome.error}`);
    }
  }
  return lines.map((line) => line.trimEnd()).join('\n');
}

function failed(result: TargetResult): boolean {
  return (
    result.failure !== null ||
    [
      result.study,
      result.efficiency,
      result.studyMetadata,
      result.seriesMetadata,
      result.frame30,
      result.frame1000,
    ].some((outcome) => outcome !== undefined && !outcome.ok)
  );
}

const running = new Set<RunningServer>();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      orthanc: { type: 'boolean', default: false },
      'skip-ours': { type: 'boolean', default: false },
      rounds: { type: 'string', default: '10' },
      samples: { type: 'string', default: '40' },
      base: { type: 'string' },
      'api-version': { type: 'string', default: 'v2' },
      'orthanc-state-dir': { type: 'string' },
    },
    strict: true,
  });
  const settings: Settings = {
    rounds: Math.floor(numberAtLeast('rounds', values.rounds, 1)),
    samples: Math.floor(numberAtLeast('samples', values.samples, 1)),
  };
  if (!/^v\d+$/.test(values['api-version'])) throw new Error('--api-version wants v1 or v2');

  process.once('SIGINT', () => {
    console.log('\ninterrupted; stopping servers');
    void Promise.allSettled([...running].map((server) => server.stop())).then(() => process.exit(130));
  });

  console.log('building the data set: 100 x 512 KiB, 1,000 small, a 30-frame and a 1,000-frame instance');
  const dataset = buildDataset();
  const results: TargetResult[] = [];
  if (!values['skip-ours']) {
    const base = values.base;
    const start = base
      ? (): Promise<RunningServer> =>
          Promise.resolve({
            label: 'given',
            base,
            pid: 0,
            cpuPids: [],
            description: `already running at ${base} (memory and CPU not read)`,
            stop: () => Promise.resolve(),
          })
      : () => startOurServer({ apiVersion: values['api-version'] });
    results.push(await measure(start, base ? 'given' : 'ours', dataset, settings, !base));
  }
  if (values.orthanc) {
    const stateDir = values['orthanc-state-dir'];
    results.push(await measure(() => startOrthanc({ stateDir }), 'orthanc', dataset, settings, true));
  }
  if (results.length === 0) throw new Error('nothing to run: --skip-ours without --orthanc');

  console.log(sideBySide(results, dataset, settings));
  console.log(JSON.stringify({ bench: 'wado', settings, studyBytes: dataset.studyBytes, targets: results }));
  if (results.some(failed)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
