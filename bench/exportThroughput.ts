/**
 * Export throughput beside STOW (issue 19): `--studies` studies of `--per-study` instances with
 * `--kib` KiB of pixel data each are stored (one request per study), then exported in one
 * operation to a container of the same Azurite; the export is timed from the POST to the
 * operation's end. The raw side copies the same files with the SDK alone (download, upload, 8 at a
 * time), so the gap is the operation's own cost (queue, checkpoints, listing).
 *
 *   npm run bench:export -- [--studies 10] [--per-study 100] [--kib 64]
 */
import { parseArgs } from 'node:util';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite } from '../host/azurite';
import { mapConcurrently } from '../shared/changefeed/mapConcurrently';
import { resetConfig } from '../shared/config';
import { resetClients } from '../shared/storage/clients';
import { ensureStorage } from '../shared/storage/provision';
import { makeDicom, newUid } from '../test/support/dicomFactory';
import { stowFiles } from '../test/support/stowClient';
import { startBenchFunctionsHost } from './benchHost';
import { numberAtLeast } from './cliArgs';

const MB = 1e6;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      studies: { type: 'string', default: '10' },
      'per-study': { type: 'string', default: '100' },
      kib: { type: 'string', default: '64' },
    },
  });
  const studies = Math.floor(numberAtLeast('studies', values.studies, 1));
  const perStudy = Math.floor(numberAtLeast('per-study', values['per-study'], 1));
  const kib = numberAtLeast('kib', values.kib, 0);
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  // The host's queue triggers connect through AzureWebJobsStorage, as under Core Tools.
  Object.assign(process.env, {
    DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
    AzureWebJobsStorage: azurite.connectionString,
  });
  resetConfig();
  resetClients();
  const host = await startBenchFunctionsHost({ runQueueTriggers: true });
  try {
    await ensureStorage();
    const { url } = await host.http.listen(0, '127.0.0.1');
    const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
    const uids: string[] = [];
    let bytes = 0;
    const stowStart = performance.now();
    for (let study = 0; study < studies; study += 1) {
      const studyUid = newUid();
      const series = [newUid(), newUid()];
      const files = Array.from({ length: perStudy }, (_, index) =>
        makeDicom({
          studyInstanceUid: studyUid,
          seriesInstanceUid: series[index % 2] ?? '',
          sopInstanceUid: newUid(),
          pixelDataBytes: kib * 1024,
        }),
      );
      bytes += files.reduce((sum, file) => sum + file.length, 0);
      const reply = await stowFiles(`${url}/v2/studies`, files);
      if (reply.status !== 200) throw new Error(`STOW answered ${reply.status}`);
      uids.push(studyUid);
    }
    const stowSeconds = (performance.now() - stowStart) / 1000;
    const count = studies * perStudy;

    const destination = service.getContainerClient('benchexport');
    await destination.createIfNotExists();
    const exportStart = performance.now();
    const accepted = await fetch(`${url}/v2/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: { type: 'identifiers', settings: { values: uids } },
        destination: {
          type: 'azureBlob',
          settings: { connectionString: azurite.connectionString, blobContainerName: 'benchexport' },
        },
      }),
    });
    if (accepted.status !== 202) throw new Error(`export answered ${accepted.status}: ${await accepted.text()}`);
    const { href } = (await accepted.json()) as { href: string };
    let results: unknown;
    for (let polls = 0; ; polls += 1) {
      if (polls > 30_000) throw new Error('the export did not end within 10 minutes');
      const response = await fetch(href);
      const body = (await response.json()) as { status: string; results?: unknown };
      if (response.status === 200) {
        if (body.status !== 'succeeded') throw new Error(`export ended ${body.status}: ${JSON.stringify(body)}`);
        results = body.results;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const exportSeconds = (performance.now() - exportStart) / 1000;

    const raw = service.getContainerClient('benchraw');
    await raw.createIfNotExists();
    const rawSeconds = await rawCopy(service.getContainerClient(process.env.DICOM_BLOB_CONTAINER ?? 'dicomweb'), raw);

    const rate = (seconds: number) =>
      `${(count / seconds).toFixed(0)} instances/s, ${(bytes / MB / seconds).toFixed(1)} MB/s`;
    console.log(
      `${count} instances of ${(bytes / count / 1024).toFixed(0)} KiB (${studies} studies, one STOW request each)`,
    );
    console.log(`STOW:               ${stowSeconds.toFixed(1)} s, ${rate(stowSeconds)}`);
    console.log(
      `export (operation): ${exportSeconds.toFixed(1)} s, ${rate(exportSeconds)}; results ${JSON.stringify(results)}`,
    );
    console.log(
      `raw SDK copy:       ${rawSeconds.toFixed(1)} s, ${rate(rawSeconds)}; export at ${((100 * rawSeconds) / exportSeconds).toFixed(0)} % of it`,
    );
  } finally {
    await host.stop();
    await azurite.stop();
  }
}

/** Every `file.dcm` of the service's container copied with the SDK alone, 8 at a time; seconds. */
async function rawCopy(source: ContainerClient, target: ContainerClient): Promise<number> {
  const names: string[] = [];
  for await (const blob of source.listBlobsFlat()) if (blob.name.endsWith('/file.dcm')) names.push(blob.name);
  const start = performance.now();
  await mapConcurrently(names, 8, async (name) => {
    // The same calls as the export makes for files under 4 MiB: one Get Blob, one Put Blob.
    const chunks: Buffer[] = [];
    const body = (await source.getBlockBlobClient(name).download()).readableStreamBody;
    if (body) for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    await target.getBlockBlobClient(name).upload(bytes, bytes.length);
  });
  return (performance.now() - start) / 1000;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
