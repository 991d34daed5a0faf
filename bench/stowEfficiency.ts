/**
 * STOW-RS against the raw Azure SDK doing the same storage calls, on the same Azurite (issue 17:
 * the server should reach at least 90 % of the raw figure). A study of `--study-size` instances
 * (two series, `--kib` KiB of pixel data each) goes in one request to
 * - ours: the server on the local Functions host, in this process;
 * - pass-through: a function with no DICOM code on a local host of its own (bench/passThroughApp.ts)
 *   that splits the same request into files and makes the same storage calls with the raw SDK:
 *   the platform, the HTTP delivery and the storage calls;
 * - raw: the same storage calls with the SDK alone in this process (bench/rawStowCalls.ts).
 * Rounds rotate the order, each on studies of its own. ours / pass-through is the share of the
 * time that is the server's own code.
 *
 *   node dist/bench/stowEfficiency.js [--rounds 6] [--study-size 50] [--kib 64]
 */
import { parseArgs } from 'node:util';
import { startAzurite } from '../host/azurite';
import { resetConfig } from '../shared/config';
import { resetClients } from '../shared/storage/clients';
import { ensureStorage } from '../shared/storage/provision';
import { makeDicom, newUid } from '../test/support/dicomFactory';
import { multipartBody, multipartRelated, newBoundary } from '../test/support/multipartBody';
import { startBenchFunctionsHost } from './benchHost';
import { integersAtLeast } from './cliArgs';
import { cpuSeconds, descendants } from './procfs';
import { RawStowCalls } from './rawStowCalls';
import { startPassThroughHost } from './servers';

const MB = 1e6;

interface Study {
  readonly uid: string;
  readonly series: readonly string[];
  readonly files: readonly { readonly sop: string; readonly series: string; readonly bytes: Buffer }[];
}

function makeStudy(size: number, pixelBytes: number): Study {
  const uid = newUid();
  const series = [newUid(), newUid()];
  const files = Array.from({ length: size }, (_, i) => {
    const sop = newUid();
    const s = series[i % 2] ?? '';
    return {
      sop,
      series: s,
      bytes: makeDicom({
        studyInstanceUid: uid,
        seriesInstanceUid: s,
        sopInstanceUid: sop,
        pixelDataBytes: pixelBytes,
      }),
    };
  });
  return { uid, series, files };
}

async function post(url: string, study: Study): Promise<void> {
  const boundary = newBoundary();
  const body = multipartBody(
    study.files.map((f) => ({ contentType: 'application/dicom', body: f.bytes })),
    boundary,
  );
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': multipartRelated(boundary), accept: 'application/dicom+json' },
    body: new Uint8Array(body),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`STOW answered ${response.status}`);
}

type Side = 'ours' | 'pass-through' | 'raw';
const SIDES: readonly Side[] = ['ours', 'pass-through', 'raw'];

interface Totals {
  seconds: number;
  /** CPU seconds: this process (host, app and client; or the raw client), the pass-through host, Azurite. */
  own: number;
  passThrough: number;
  azurite: number;
  rates: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '6' },
      'study-size': { type: 'string', default: '50' },
      kib: { type: 'string', default: '64' },
    },
  });
  const [rounds = 6] = integersAtLeast('rounds', values.rounds, 1);
  const [studySize = 50] = integersAtLeast('study-size', values['study-size'], 1);
  const [kib = 64] = integersAtLeast('kib', values.kib, 1);
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  const azurites = descendants(process.pid);
  Object.assign(process.env, { DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString });
  resetConfig();
  resetClients();
  const host = await startBenchFunctionsHost();
  const passThrough = await startPassThroughHost(azurite.connectionString);
  try {
    await ensureStorage();
    const { url } = await host.http.listen(0, '127.0.0.1');
    const raw = await RawStowCalls.create(azurite.connectionString, 'raw');
    const stores: Record<Side, (study: Study) => Promise<void>> = {
      ours: (study) => post(`${url}/v2/studies`, study),
      'pass-through': (study) => post(`${passThrough.base}/pass-through/studies`, study),
      raw: (study) => raw.store(study),
    };
    const newStudy = () => makeStudy(studySize, kib * 1024);
    // Warm-up: connections, tables, the JIT.
    for (const side of SIDES) await stores[side](newStudy());
    const totals = Object.fromEntries(
      SIDES.map((side) => [side, { seconds: 0, own: 0, passThrough: 0, azurite: 0, rates: [] }]),
    ) as unknown as Record<Side, Totals>;
    let bytes = 0;
    for (let round = 0; round < rounds; round += 1) {
      for (let k = 0; k < SIDES.length; k += 1) {
        const side = SIDES[(round + k) % SIDES.length] as Side;
        const study = newStudy();
        if (side === 'ours') bytes += study.files.reduce((n, f) => n + f.bytes.length, 0);
        const before = { own: process.cpuUsage(), pass: cpuSeconds([passThrough.pid]), azurite: cpuSeconds(azurites) };
        const started = performance.now();
        await stores[side](study);
        const seconds = (performance.now() - started) / 1000;
        const own = process.cpuUsage(before.own);
        const total = totals[side];
        total.seconds += seconds;
        total.rates.push(studySize / seconds);
        total.own += (own.user + own.system) / 1e6;
        total.passThrough += cpuSeconds([passThrough.pid]) - before.pass;
        total.azurite += cpuSeconds(azurites) - before.azurite;
      }
    }
    const instances = rounds * studySize;
    const perInstance = (cpu: number) => ((1000 * cpu) / instances).toFixed(1);
    const rate = (side: Side) => instances / totals[side].seconds;
    const lines = SIDES.map((side) => {
      const t = totals[side];
      const cpu =
        side === 'pass-through'
          ? `its host ${perInstance(t.passThrough)} + client ${perInstance(t.own)}`
          : `${side === 'raw' ? 'raw client' : 'host, app and client'} ${perInstance(t.own)}`;
      return (
        `  ${side.padEnd(13)} ${rate(side).toFixed(0).padStart(5)} instances/s, ${(bytes / MB / t.seconds).toFixed(1)} MB/s ` +
        `(rounds ${Math.min(...t.rates).toFixed(0)}-${Math.max(...t.rates).toFixed(0)}); CPU ms per instance: ${cpu} + Azurite ${perInstance(t.azurite)}`
      );
    });
    const share = (a: Side, b: Side) => `${((100 * rate(a)) / rate(b)).toFixed(0)} %`;
    console.log(
      `STOW of a ${studySize}-instance study (${kib} KiB of pixel data each) in one request, ${rounds} rotating rounds:\n` +
        `${lines.join('\n')}\n` +
        `  ours / pass-through (the server's own share): ${share('ours', 'pass-through')}; ours / raw SDK: ${share('ours', 'raw')}; ` +
        `pass-through / raw SDK (platform, HTTP and multipart): ${share('pass-through', 'raw')}`,
    );
  } finally {
    await passThrough.stop();
    await host.stop();
    await azurite.stop();
  }
}

if (require.main === module) void main();
