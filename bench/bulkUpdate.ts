/**
 * Bulk update throughput beside STOW (issue 19): `--studies` studies of `--per-study` instances
 * with `--kib` KiB of pixel data each are stored (one request per study), then updated in one
 * operation (PatientName, PatientID, AccessionNumber); the update is timed from the POST to the
 * operation's end. Each update rewrites the file (pixel data copied), writes a new version, commits
 * an `update` feed entry and refreshes the study's search summary.
 *
 *   npm run bench:bulk-update -- [--studies 5] [--per-study 100] [--kib 64]
 */
import { parseArgs } from 'node:util';
import { startAzurite } from '../host/azurite';
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
      studies: { type: 'string', default: '5' },
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
    const uids: string[] = [];
    let bytes = 0;
    const stowStart = performance.now();
    for (let study = 0; study < studies; study += 1) {
      const studyUid = newUid();
      const series = newUid();
      const files = Array.from({ length: perStudy }, () =>
        makeDicom({
          studyInstanceUid: studyUid,
          seriesInstanceUid: series,
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

    const updateStart = performance.now();
    const accepted = await fetch(`${url}/v2/studies/$bulkUpdate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        studyInstanceUids: uids,
        changeDataset: {
          '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Bench^Updated' }] },
          '00100020': { vr: 'LO', Value: ['BENCH-NEW'] },
          '00080050': { vr: 'SH', Value: ['ACC-BENCH'] },
        },
      }),
    });
    if (accepted.status !== 202) throw new Error(`update answered ${accepted.status}: ${await accepted.text()}`);
    const { href } = (await accepted.json()) as { href: string };
    let results: unknown;
    for (let polls = 0; ; polls += 1) {
      if (polls > 30_000) throw new Error('the update did not end within 10 minutes');
      const response = await fetch(href);
      const body = (await response.json()) as { status: string; results?: unknown };
      if (response.status === 200) {
        if (body.status !== 'succeeded') throw new Error(`update ended ${body.status}: ${JSON.stringify(body)}`);
        results = body.results;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const updateSeconds = (performance.now() - updateStart) / 1000;
    const rate = (seconds: number) =>
      `${(count / seconds).toFixed(0)} instances/s, ${(bytes / MB / seconds).toFixed(1)} MB/s`;
    console.log(
      `${count} instances of ${(bytes / count / 1024).toFixed(0)} KiB (${studies} studies, one STOW request each)`,
    );
    console.log(`STOW:                    ${stowSeconds.toFixed(1)} s, ${rate(stowSeconds)}`);
    console.log(
      `bulk update (operation): ${updateSeconds.toFixed(1)} s, ${rate(updateSeconds)}; results ${JSON.stringify(results)}`,
    );
  } finally {
    await host.stop();
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
