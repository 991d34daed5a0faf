/**
 * Bulk import throughput beside STOW (issue 19, docs/import.md): `--files` small files of `--kib`
 * KiB (`--per-study` to a study) are stored with STOW twice over, one `application/dicom` request
 * per file and multipart requests of 50 files (as `npm run upload` sends), as many requests at once
 * as the importer runs store calls; then the same number of new files are dropped into the import
 * container and imported by running the import timer until the container is empty. Then one `--large-mib` file
 * (default 1 GiB, streamed into the container, never built in memory) is imported alone while the
 * process's peak RSS is sampled: the host and worker run in this process, Azurite in its own.
 *
 *   npm run bench:import -- [--files 1000] [--kib 16] [--per-study 50] [--large-mib 1024]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite } from '../host/azurite';
import type { FunctionsHost } from '../host/functionsHost/functionsHost';
import { invokeTimer } from '../host/functionsHost/timerRunner';
import { mapConcurrently } from '../shared/changefeed/mapConcurrently';
import { getConfig, resetConfig } from '../shared/config';
import { resetClients } from '../shared/storage/clients';
import { ensureStorage } from '../shared/storage/provision';
import { makeDicom, newUid } from '../test/support/dicomFactory';
import { stowFiles } from '../test/support/stowClient';
import { startBenchFunctionsHost } from './benchHost';
import { numberAtLeast } from './cliArgs';

const MB = 1e6;
const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      files: { type: 'string', default: '1000' },
      kib: { type: 'string', default: '16' },
      'per-study': { type: 'string', default: '50' },
      'large-mib': { type: 'string', default: '1024' },
    },
  });
  const count = Math.floor(numberAtLeast('files', values.files, 1));
  const kib = numberAtLeast('kib', values.kib, 0);
  const perStudy = Math.floor(numberAtLeast('per-study', values['per-study'], 1));
  const largeMiB = Math.floor(numberAtLeast('large-mib', values['large-mib'], 0));
  // On disk: a 1 GiB file twice (import container, then stored) is too much for an in-memory Azurite.
  const location = await mkdtemp(path.join(tmpdir(), 'bench-import-'));
  const azurite = await startAzurite({ location, ports: 'free' });
  Object.assign(process.env, {
    DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
    AzureWebJobsStorage: azurite.connectionString,
  });
  resetConfig();
  resetClients();
  const host = await startBenchFunctionsHost();
  try {
    await ensureStorage();
    const { url } = await host.http.listen(0, '127.0.0.1');
    const concurrency = getConfig().import.concurrency;
    const imports = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      getConfig().import.container,
    );
    await imports.createIfNotExists();
    const files = () => {
      let study = newUid();
      return Array.from({ length: count }, (_, i) => {
        if (i % perStudy === 0) study = newUid();
        return makeDicom({ studyInstanceUid: study, pixelDataBytes: kib * 1024 });
      });
    };

    const singles = files();
    const bytes = singles.reduce((sum, f) => sum + f.length, 0);
    const stowStart = performance.now();
    await mapConcurrently(singles, concurrency, async (file) => {
      const response = await fetch(`${url}/v2/studies`, {
        method: 'POST',
        headers: { 'content-type': 'application/dicom' },
        body: new Uint8Array(file),
      });
      if (response.status !== 200) throw new Error(`STOW answered ${response.status}`);
      await response.arrayBuffer();
    });
    const stowSeconds = (performance.now() - stowStart) / 1000;

    const batched = files();
    const batches = Array.from({ length: Math.ceil(count / 50) }, (_, i) => batched.slice(i * 50, i * 50 + 50));
    const multipartStart = performance.now();
    await mapConcurrently(batches, concurrency, async (batch) => {
      const reply = await stowFiles(`${url}/v2/studies`, batch);
      if (reply.status !== 200) throw new Error(`STOW answered ${reply.status}`);
    });
    const multipartSeconds = (performance.now() - multipartStart) / 1000;

    const dropped = files();
    await mapConcurrently(dropped, 16, (file, index) =>
      imports.getBlockBlobClient(`small/${index}.dcm`).uploadData(file),
    );
    const importStart = performance.now();
    const runs = await importUntilEmpty(host, imports);
    const importSeconds = (performance.now() - importStart) / 1000;

    const rate = (n: number, b: number, seconds: number) =>
      `${(n / seconds).toFixed(1)} files/s, ${(b / MB / seconds).toFixed(1)} MB/s`;
    console.log(
      `${count} files of ${(bytes / count / 1024).toFixed(0)} KiB, ${perStudy} to a study, ${concurrency} requests or store calls at a time`,
    );
    console.log(`STOW (one request per file): ${stowSeconds.toFixed(1)} s, ${rate(count, bytes, stowSeconds)}`);
    console.log(
      `STOW (50 files per request):  ${multipartSeconds.toFixed(1)} s, ${rate(count, bytes, multipartSeconds)}`,
    );
    console.log(
      `bulk import (${runs} timer runs):  ${importSeconds.toFixed(1)} s, ${rate(count, bytes, importSeconds)}`,
    );

    if (largeMiB > 0) {
      const largeBytes = await dropLarge(imports, largeMiB * MiB);
      const baseline = process.memoryUsage().rss;
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
      const largeStart = performance.now();
      await importUntilEmpty(host, imports);
      const largeSeconds = (performance.now() - largeStart) / 1000;
      clearInterval(sampler);
      console.log(
        `one ${(largeBytes / MiB).toFixed(0)} MiB file imported: ${largeSeconds.toFixed(1)} s, ` +
          `${(largeBytes / MB / largeSeconds).toFixed(1)} MB/s; RSS ${(baseline / MiB).toFixed(0)} MiB before, ` +
          `peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - baseline) / MiB).toFixed(0)} MiB)`,
      );
    }
    // The stores' pending markers go 2 s after each answer: let them, before storage stops.
    await new Promise((resolve) => setTimeout(resolve, 2500));
  } finally {
    await host.stop();
    await azurite.stop();
    await rm(location, { recursive: true, force: true });
  }
}

async function importUntilEmpty(host: FunctionsHost, imports: ContainerClient): Promise<number> {
  const timer = host.index.timers.find((t) => t.name === 'importFiles');
  if (!timer) throw new Error('no importFiles timer');
  for (let runs = 1; ; runs += 1) {
    await invokeTimer(host.worker, timer);
    const page = await imports.listBlobsFlat().byPage({ maxPageSize: 1 }).next();
    if (page.done || page.value.segment.blobItems.length === 0) return runs;
    if (runs > 1000) throw new Error('the import container does not empty');
  }
}

/**
 * A multi-frame 16-bit instance of about `bytes`, streamed into the import container: the header
 * from the test factory, then frames of 512 x 512 generated as they are uploaded.
 */
async function dropLarge(imports: ContainerClient, bytes: number): Promise<number> {
  const frameBytes = 512 * 512 * 2;
  const frames = Math.max(1, Math.floor(bytes / frameBytes));
  const us = (value: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value);
    return b;
  };
  const header = makeDicom({
    studyInstanceUid: newUid(),
    elements: [
      { tag: '00280002', vr: 'US', value: us(1) },
      { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
      { tag: '00280008', vr: 'IS', value: String(frames) },
      { tag: '00280010', vr: 'US', value: us(512) },
      { tag: '00280011', vr: 'US', value: us(512) },
      { tag: '00280100', vr: 'US', value: us(16) },
      { tag: '00280101', vr: 'US', value: us(16) },
      { tag: '00280102', vr: 'US', value: us(15) },
      { tag: '00280103', vr: 'US', value: us(0) },
    ],
  });
  const pixelHeader = Buffer.alloc(12);
  pixelHeader.writeUInt16LE(0x7fe0, 0);
  pixelHeader.writeUInt16LE(0x0010, 2);
  pixelHeader.write('OW', 4, 'latin1');
  pixelHeader.writeUInt32LE(frames * frameBytes, 8);
  const frame = Buffer.alloc(frameBytes, 0x11);
  function* body(): Generator<Buffer> {
    yield Buffer.concat([header, pixelHeader]);
    for (let i = 0; i < frames; i += 1) yield frame;
  }
  await imports.getBlockBlobClient('large.dcm').uploadStream(Readable.from(body()), 8 * MiB, 4);
  return header.length + pixelHeader.length + frames * frameBytes;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
