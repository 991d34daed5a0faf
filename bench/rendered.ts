/**
 * Rendered and transcoding benchmark (issue 15), ours and, with --orthanc, Orthanc's /rendered on
 * the same files, one server after the other:
 *
 *   npm run bench:rendered [-- --orthanc] [--samples 40] [--orthanc-state-dir /dev/shm/orthanc]
 *
 * Measures, one request at a time: a 512 x 512 CT rendered as JPEG, a pseudo-random frame of a
 * 30-frame 512 x 512 instance rendered as JPEG, and a 10-instance JPEG-LS study retrieved as
 * Explicit VR Little Endian (transcoded). Latency p50/p95 and the server's CPU per request (ours:
 * the server process with its pixel worker threads, and Azurite). Every answer is checked (status,
 * type, JPEG start, the first image's size; the study's part count and syntax) before it counts.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { seededRandom } from '../test/support/seededRandom';
import { numberAtLeast } from './cliArgs';
import { cpuSeconds } from './procfs';
import { buildRenderedDataset, SIDE, STUDY_INSTANCES, THIRTY_FRAMES, type RenderedDataset } from './renderedDataset';
import { startOrthanc, startOurServer, type RunningServer } from './servers';
import { splitMultipart, stow } from './wadoDataset';

const TRANSCODE_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';

interface Answer {
  readonly ms: number;
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

function timedGet(agent: http.Agent, url: string, accept: string): Promise<Answer> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { Accept: accept }, timeout: 120_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'] ?? '',
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

interface Measurement {
  readonly name: string;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly cpuMsPerRequest: number | null;
  /** Of that, the storage emulator's (ours: Azurite), which a deployment does not pay in its own CPU. */
  readonly storageCpuMsPerRequest: number | null;
  readonly error?: string;
}

function percentile(values: readonly number[], p: number): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? null;
}

async function checkJpeg(answer: Answer, url: string, decode: boolean): Promise<void> {
  if (answer.status !== 200)
    throw new Error(`${url} answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
  if (!answer.contentType.startsWith('image/jpeg') || answer.body[0] !== 0xff || answer.body[1] !== 0xd8) {
    throw new Error(`${url} is not a JPEG (${answer.contentType})`);
  }
  if (decode) {
    const { width, height } = await sharp(answer.body).metadata();
    if (width !== SIDE || height !== SIDE) throw new Error(`${url} is ${width}x${height}, not ${SIDE}x${SIDE}`);
  }
}

function checkTranscodedStudy(answer: Answer, url: string): void {
  if (answer.status !== 200)
    throw new Error(`${url} answered ${answer.status}: ${answer.body.toString().slice(0, 200)}`);
  const parts = splitMultipart(answer.body, answer.contentType);
  if (parts.length !== STUDY_INSTANCES) throw new Error(`${url}: ${parts.length} parts, not ${STUDY_INSTANCES}`);
  const explicitLe = Buffer.from('1.2.840.10008.1.2.1\0', 'latin1');
  for (const part of parts) {
    // The file meta's Transfer Syntax UID (value padded with NUL) must say Explicit VR Little Endian.
    if (part.body.indexOf(explicitLe) < 0 || part.body.length < SIDE * SIDE * 2) {
      throw new Error(`${url}: a part is not an Explicit VR Little Endian file of the decoded size`);
    }
  }
}

async function measure(
  server: RunningServer,
  name: string,
  samples: number,
  request: (i: number) => { url: string; accept: string },
  check: (answer: Answer, url: string, first: boolean) => Promise<void> | void,
): Promise<Measurement> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Warm-up: the first request starts our pixel workers (codecs load once), Orthanc's caches fill.
    for (let i = 0; i < 2; i += 1) {
      const { url, accept } = request(i);
      await check(await timedGet(agent, url, accept), url, i === 0);
    }
    const times: number[] = [];
    const storagePids = server.cpuPids.filter((pid) => pid !== server.pid);
    const cpuBefore = cpuSeconds(server.cpuPids);
    const storageBefore = cpuSeconds(storagePids);
    for (let i = 0; i < samples; i += 1) {
      const { url, accept } = request(i);
      const answer = await timedGet(agent, url, accept);
      await check(answer, url, false);
      times.push(answer.ms);
    }
    const cpuMs = ((cpuSeconds(server.cpuPids) - cpuBefore) * 1000) / samples;
    const storageMs = ((cpuSeconds(storagePids) - storageBefore) * 1000) / samples;
    return {
      name,
      p50Ms: percentile(times, 0.5),
      p95Ms: percentile(times, 0.95),
      cpuMsPerRequest: cpuMs,
      storageCpuMsPerRequest: storagePids.length > 0 ? storageMs : null,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      name,
      p50Ms: null,
      p95Ms: null,
      cpuMsPerRequest: null,
      storageCpuMsPerRequest: null,
      error: message.slice(0, 200),
    };
  } finally {
    agent.destroy();
  }
}

async function runOn(server: RunningServer, dataset: RenderedDataset, samples: number): Promise<Measurement[]> {
  await stow(server.base, [dataset.ct.file, dataset.thirty.file]);
  await stow(server.base, dataset.compressedStudy.files);
  const instanceUrl = (i: { study: string; series: string; sop: string }): string =>
    `${server.base}/studies/${i.study}/series/${i.series}/instances/${i.sop}`;
  const random = seededRandom(15);
  const frames = Array.from({ length: samples + 2 }, () => 1 + Math.floor(random() * THIRTY_FRAMES));
  return [
    await measure(
      server,
      'rendered JPEG, 512x512 CT',
      samples,
      () => ({ url: `${instanceUrl(dataset.ct)}/rendered`, accept: 'image/jpeg' }),
      (answer, url, first) => checkJpeg(answer, url, first),
    ),
    await measure(
      server,
      'rendered JPEG, frame k of 30 (512x512)',
      samples,
      (i) => ({ url: `${instanceUrl(dataset.thirty)}/frames/${frames[i] ?? 1}/rendered`, accept: 'image/jpeg' }),
      (answer, url, first) => checkJpeg(answer, url, first),
    ),
    await measure(
      server,
      `study of ${STUDY_INSTANCES} JPEG-LS CT to Explicit VR LE`,
      Math.max(3, Math.floor(samples / 4)),
      () => ({ url: `${server.base}/studies/${dataset.compressedStudy.study}`, accept: TRANSCODE_ACCEPT }),
      (answer, url) => checkTranscodedStudy(answer, url),
    ),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      orthanc: { type: 'boolean', default: false },
      samples: { type: 'string', default: '40' },
      'orthanc-state-dir': { type: 'string' },
    },
  });
  const samples = numberAtLeast('--samples', values.samples, 5);
  const dataset = await buildRenderedDataset();
  const results: Array<{ label: string; description: string; measurements: Measurement[] }> = [];
  const servers: Array<() => Promise<RunningServer>> = [() => startOurServer({ apiVersion: 'v2' })];
  if (values.orthanc) servers.push(() => startOrthanc({ stateDir: values['orthanc-state-dir'] }));
  for (const start of servers) {
    const server = await start();
    try {
      console.log(`${server.label}: ${server.description}`);
      results.push({
        label: server.label,
        description: server.description,
        measurements: await runOn(server, dataset, samples),
      });
    } finally {
      await server.stop();
    }
  }
  const cell = (m: Measurement | undefined): string =>
    !m
      ? '–'
      : m.error
        ? `failed: ${m.error}`
        : `${m.p50Ms?.toFixed(1)} / ${m.p95Ms?.toFixed(1)} ms, CPU ${m.cpuMsPerRequest?.toFixed(1)} ms` +
          (m.storageCpuMsPerRequest === null ? '' : ` (Azurite ${m.storageCpuMsPerRequest.toFixed(1)})`);
  console.log(
    `\n| measurement (${samples} samples; p50 / p95, server CPU per request) | ${results.map((r) => r.label).join(' | ')} |`,
  );
  console.log(`| --- | ${results.map(() => '---').join(' | ')} |`);
  for (const [i, m] of (results[0]?.measurements ?? []).entries()) {
    console.log(`| ${m.name} | ${results.map((r) => cell(r.measurements[i])).join(' | ')} |`);
  }
  console.log(JSON.stringify({ bench: 'rendered', samples, results }));
  if (results.some((r) => r.measurements.some((m) => m.error && r.label === 'ours'))) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
