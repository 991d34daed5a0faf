/**
 * Export throughput beside STOW (issue 19): `--studies` studies of `--per-study` instances with
 * `--kib` KiB of pixel data each are stored (one request per study), then exported in one
 * operation to a container of the same Azurite; the export is timed from the POST to the
 * operation's end. The raw side copies the same files with the SDK alone (download, upload, 8 at a
 * time), so the gap is the operation's own cost (queue, checkpoints, listing).
 *
 *   npm run bench:export -- [--studies 10] [--per-study 100] [--kib 64]
 */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { mapConcurrently } from '../shared/changefeed/mapConcurrently';
import { operationResults, rateOf, storeStudies, studyArgs, withQueueServer } from './operationBench';

async function main(): Promise<void> {
  const args = studyArgs({ studies: 10, perStudy: 100, kib: 64 });
  await withQueueServer(async ({ url, connectionString }) => {
    const service = BlobServiceClient.fromConnectionString(connectionString);
    const stored = await storeStudies(url, args, 2);
    const destination = service.getContainerClient('benchexport');
    await destination.createIfNotExists();
    const exportStart = performance.now();
    const accepted = await fetch(`${url}/v2/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: { type: 'identifiers', settings: { values: stored.uids } },
        destination: { type: 'azureBlob', settings: { connectionString, blobContainerName: 'benchexport' } },
      }),
    });
    if (accepted.status !== 202) throw new Error(`export answered ${accepted.status}: ${await accepted.text()}`);
    const { href } = (await accepted.json()) as { href: string };
    const results = await operationResults(href);
    const exportSeconds = (performance.now() - exportStart) / 1000;

    const raw = service.getContainerClient('benchraw');
    await raw.createIfNotExists();
    const rawSeconds = await rawCopy(service.getContainerClient(process.env.DICOM_BLOB_CONTAINER ?? 'dicomweb'), raw);

    console.log(
      `${stored.count} instances of ${(stored.bytes / stored.count / 1024).toFixed(0)} KiB (${args.studies} studies, one STOW request each)`,
    );
    console.log(`STOW:               ${stored.seconds.toFixed(1)} s, ${rateOf(stored, stored.seconds)}`);
    console.log(
      `export (operation): ${exportSeconds.toFixed(1)} s, ${rateOf(stored, exportSeconds)}; results ${JSON.stringify(results)}`,
    );
    console.log(
      `raw SDK copy:       ${rawSeconds.toFixed(1)} s, ${rateOf(stored, rawSeconds)}; export at ${((100 * rawSeconds) / exportSeconds).toFixed(0)} % of it`,
    );
  });
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
