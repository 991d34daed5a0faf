/**
 * Whole-study retrieve against what it is made of (issue 17, part 5), in alternating rounds so that
 * a machine whose speed drifts hurts all three alike:
 * - ours: the server's WADO-RS retrieve, through the local Functions host;
 * - pass-through: the same storage calls with the raw SDK in a function with no DICOM code, on a
 *   local Functions host of its own (bench/passThroughApp.ts): the platform and HTTP delivery;
 * - raw: the same storage calls with the raw SDK in this process, nothing sent on.
 * ours / pass-through is the share of the time that is the server's own code; pass-through / raw
 * is what serving the bytes over HTTP through the host costs on this machine.
 */
import http from 'node:http';
import { cpuSeconds } from './procfs';
import { RawStudyCalls } from './rawStudyCalls';
import { percentile } from './serverWatch';
import { startPassThroughHost } from './servers';

const MB = 1e6;
const STUDY_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';
const RETRIEVES_PER_ROUND = 2;

export interface ContenderFigures {
  readonly label: string;
  /** Median, slowest and fastest round. */
  readonly megabytesPerSecond: { readonly median: number; readonly min: number; readonly max: number };
  /** Median over rounds of the CPU per retrieve of the contender's process (for raw: this bench process). */
  readonly processCpuMs: number;
  /** Median over rounds of Azurite's CPU per retrieve. */
  readonly storageCpuMs: number;
}

export interface Ratio {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface StudyEfficiency {
  readonly rounds: number;
  readonly retrievesPerRound: number;
  readonly contenders: readonly ContenderFigures[];
  /** Per-round ratios of rates, in percent. */
  readonly oursOfPassThrough: Ratio;
  readonly oursOfRaw: Ratio;
  readonly passThroughOfRaw: Ratio;
}

interface Contender {
  readonly label: string;
  readonly retrieve: () => Promise<number>;
  readonly processCpu: () => number;
}

interface RoundFigures {
  readonly megabytesPerSecond: number;
  readonly processCpuMs: number;
  readonly storageCpuMs: number;
}

export async function measureStudyEfficiency(options: {
  readonly connectionString: string;
  readonly study: string;
  readonly studyBytes: number;
  /** Our server's URL of the study (…/studies/{uid}). */
  readonly ourStudyUrl: string;
  readonly ourPid: number;
  readonly storagePids: readonly number[];
  readonly rounds: number;
}): Promise<StudyEfficiency> {
  const passThrough = await startPassThroughHost(options.connectionString);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const raw = new RawStudyCalls(options.connectionString);
    const checked = (url: string) => async (): Promise<number> => {
      const bytes = await getBytes(agent, url);
      if (bytes < 0.99 * options.studyBytes) throw new Error(`${url}: ${bytes} bytes, ${options.studyBytes} stored`);
      return bytes;
    };
    const contenders: Contender[] = [
      { label: 'ours', retrieve: checked(options.ourStudyUrl), processCpu: () => cpuSeconds([options.ourPid]) },
      {
        label: 'pass-through',
        retrieve: checked(`${passThrough.base}/pass-through/studies/${options.study}`),
        processCpu: () => cpuSeconds([passThrough.pid]),
      },
      { label: 'raw', retrieve: () => raw.readStudy(options.study), processCpu: ownCpuSeconds },
    ];
    for (const contender of contenders) await contender.retrieve(); // warm-up
    const perContender = contenders.map((): RoundFigures[] => []);
    for (let round = 0; round < options.rounds; round += 1) {
      for (let k = 0; k < contenders.length; k += 1) {
        const index = (round + k) % contenders.length;
        const figures = await timedRound(contenders[index] as Contender, options.storagePids);
        perContender[index]?.push(figures);
      }
    }
    const rates = perContender.map((rounds) => rounds.map((r) => r.megabytesPerSecond));
    const ratio = (a: number, b: number): Ratio =>
      spread((rates[a] ?? []).map((rate, i) => (100 * rate) / (rates[b]?.[i] ?? NaN)));
    return {
      rounds: options.rounds,
      retrievesPerRound: RETRIEVES_PER_ROUND,
      contenders: contenders.map((contender, i) => {
        const rounds = perContender[i] ?? [];
        return {
          label: contender.label,
          megabytesPerSecond: spread(rounds.map((r) => r.megabytesPerSecond)),
          processCpuMs: percentile(
            rounds.map((r) => r.processCpuMs),
            50,
          ),
          storageCpuMs: percentile(
            rounds.map((r) => r.storageCpuMs),
            50,
          ),
        };
      }),
      oursOfPassThrough: ratio(0, 1),
      oursOfRaw: ratio(0, 2),
      passThroughOfRaw: ratio(1, 2),
    };
  } finally {
    agent.destroy();
    await passThrough.stop();
  }
}

async function timedRound(contender: Contender, storagePids: readonly number[]): Promise<RoundFigures> {
  const processBefore = contender.processCpu();
  const storageBefore = cpuSeconds(storagePids);
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < RETRIEVES_PER_ROUND; i += 1) bytes += await contender.retrieve();
  const seconds = (performance.now() - started) / 1000;
  return {
    megabytesPerSecond: bytes / MB / seconds,
    processCpuMs: ((contender.processCpu() - processBefore) * 1000) / RETRIEVES_PER_ROUND,
    storageCpuMs: ((cpuSeconds(storagePids) - storageBefore) * 1000) / RETRIEVES_PER_ROUND,
  };
}

function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function getBytes(agent: http.Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { Accept: STUDY_ACCEPT } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(bytes) : reject(new Error(`${url} answered ${res.statusCode}`)),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function spread(values: readonly number[]): Ratio {
  return { median: percentile(values, 50), min: Math.min(...values), max: Math.max(...values) };
}
