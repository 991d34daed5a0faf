/**
 * WADO-RS benchmark against our server (started here on an in-memory Azurite, as `npm run bench` does):
 *
 *   npm run build && node dist/bench/wado.js [--rounds 5] [--samples 40] [--base URL (an already running server)]
 *
 * Stores a 100-instance study of ~512 KiB instances, a 1,000-instance series of small instances, a
 * 30-frame and a 1,000-frame instance; then prints whole-study retrieve MB/s (and the server's peak
 * RSS meanwhile), metadata p50/p95 for the study and the series, and frame-k p50/p95 for both
 * multi-frame instances. One JSON line (starting with `{"bench":"wado"`) follows for machines.
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Tag } from '../shared/dicom/tags';
import { makeDicom, newUid } from '../test/support/dicomFactory';
import { multipartBody, multipartRelated, newBoundary } from '../test/support/multipartBody';
import { MemorySampler } from './procfs';
import { startOurServer, type RunningServer } from './servers';

const MB = 1e6;
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

interface Timed {
  readonly ms: number;
  readonly bytes: number;
  readonly status: number;
}

/** GETs a URL, counting the body's bytes without keeping them. */
function timedGet(url: string, accept: string): Promise<Timed> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { Accept: accept } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () =>
          resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, bytes, status: res.statusCode ?? 0 }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function stow(base: string, files: Buffer[]): Promise<void> {
  const boundary = newBoundary();
  const body = multipartBody(
    files.map((f) => ({ body: f })),
    boundary,
  );
  const response = await fetch(`${base}/studies`, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { 'Content-Type': multipartRelated(boundary), Accept: 'application/dicom+json' },
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`STOW answered ${response.status}`);
}

interface FrameInstance {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
}

/** A native multi-frame instance: `frames` frames of 16 rows x 512 columns x 16 bits. */
function multiFrame(uids: FrameInstance, frames: number): Buffer {
  const rowsPerFrame = 16;
  const file = makeDicom({
    studyInstanceUid: uids.study,
    seriesInstanceUid: uids.series,
    sopInstanceUid: uids.sop,
    pixelDataBytes: frames * rowsPerFrame * 1024,
    elements: [{ tag: Tag.NumberOfFrames, vr: 'IS', value: String(frames) }],
  });
  // makeDicom puts all rows in one frame; Rows (0028,0010) US is patched to one frame's rows.
  const rowsHeader = Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00]);
  const at = file.indexOf(rowsHeader);
  if (at < 0) throw new Error('no Rows element');
  file.writeUInt16LE(rowsPerFrame, at + 8);
  return file;
}

function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function latencies(urls: () => string, accept: string, samples: number): Promise<{ p50: number; p95: number }> {
  await timedGet(urls(), accept); // warm-up
  const times: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const result = await timedGet(urls(), accept);
    if (result.status !== 200) throw new Error(`${urls()} answered ${result.status}`);
    times.push(result.ms);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      samples: { type: 'string', default: '40' },
      base: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const samples = Number(values.samples);
  let server: RunningServer | undefined;
  if (!values.base) server = await startOurServer({ apiVersion: 'v2' });
  const base = values.base ?? server?.base ?? '';
  try {
    const study = newUid();
    const bigSeries = newUid();
    const smallSeries = newUid();
    console.log('storing: 100 x 512 KiB, 1,000 small, a 30-frame and a 1,000-frame instance …');
    for (let i = 0; i < 100; i += 10) {
      await stow(
        base,
        Array.from({ length: 10 }, () =>
          makeDicom({ studyInstanceUid: study, seriesInstanceUid: bigSeries, pixelDataBytes: 512 * 1024 }),
        ),
      );
    }
    const seriesStudy = newUid();
    for (let i = 0; i < 1000; i += 100) {
      await stow(
        base,
        Array.from({ length: 100 }, () => makeDicom({ studyInstanceUid: seriesStudy, seriesInstanceUid: smallSeries })),
      );
    }
    const frameStudy = newUid();
    const thirty: FrameInstance = { study: frameStudy, series: newUid(), sop: newUid() };
    const thousand: FrameInstance = { study: frameStudy, series: thirty.series, sop: newUid() };
    await stow(base, [multiFrame(thirty, 30), multiFrame(thousand, 1000)]);
    const frameUrl = (uids: FrameInstance, frames: number) => () =>
      `${base}/studies/${uids.study}/series/${uids.series}/instances/${uids.sop}/frames/${1 + Math.floor(Math.random() * frames)}`;

    const sampler = server ? new MemorySampler(server.pid, 50) : undefined;
    const studyAccept = 'multipart/related; type="application/dicom"; transfer-syntax=*';
    await timedGet(`${base}/studies/${study}`, studyAccept);
    let bytes = 0;
    let ms = 0;
    for (let i = 0; i < rounds; i += 1) {
      const result = await timedGet(`${base}/studies/${study}`, studyAccept);
      bytes += result.bytes;
      ms += result.ms;
    }
    const peak = sampler?.stop();
    const studyMBps = bytes / MB / (ms / 1000);
    const json = 'application/dicom+json';
    const studyMetadata = await latencies(() => `${base}/studies/${study}/metadata`, json, samples);
    const seriesMetadata = await latencies(
      () => `${base}/studies/${seriesStudy}/series/${smallSeries}/metadata`,
      json,
      samples,
    );
    const frameAccept = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
    const frame30 = await latencies(frameUrl(thirty, 30), frameAccept, samples);
    const frame1000 = await latencies(frameUrl(thousand, 1000), frameAccept, samples);

    const f = (n: number) => n.toFixed(1);
    console.log(`whole study (100 x ~512 KiB, ${f(bytes / rounds / MB)} MB): ${f(studyMBps)} MB/s`);
    if (peak) {
      const before = (peak.first?.rssKiB ?? 0) / 1024;
      console.log(
        `server RSS while streaming the study: ${f(before)} MiB before, ${f(peak.peakRssKiB / 1024)} MiB peak`,
      );
    }
    console.log(`metadata, study of 100:    p50 ${f(studyMetadata.p50)} ms, p95 ${f(studyMetadata.p95)} ms`);
    console.log(`metadata, series of 1,000: p50 ${f(seriesMetadata.p50)} ms, p95 ${f(seriesMetadata.p95)} ms`);
    console.log(`frame k of 30 frames:      p50 ${f(frame30.p50)} ms, p95 ${f(frame30.p95)} ms`);
    console.log(`frame k of 1,000 frames:   p50 ${f(frame1000.p50)} ms, p95 ${f(frame1000.p95)} ms`);
    console.log(
      JSON.stringify({
        bench: 'wado',
        studyMBps,
        peakRssKiB: peak?.peakRssKiB ?? null,
        studyMetadata,
        seriesMetadata,
        frame30,
        frame1000,
      }),
    );
  } finally {
    agent.destroy();
    await server?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
