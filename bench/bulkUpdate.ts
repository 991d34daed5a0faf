/**
 * Bulk update throughput beside STOW (issue 19): `--studies` studies of `--per-study` instances
 * with `--kib` KiB of pixel data each are stored (one request per study), then updated in one
 * operation (PatientName, PatientID, AccessionNumber); the update is timed from the POST to the
 * operation's end. Each update rewrites the file (pixel data copied), writes a new version, commits
 * an `update` feed entry and refreshes the study's search summary.
 *
 *   npm run bench:bulk-update -- [--studies 5] [--per-study 100] [--kib 64]
 */
import { operationResults, rateOf, storeStudies, studyArgs, withQueueServer } from './operationBench';

async function main(): Promise<void> {
  const args = studyArgs({ studies: 5, perStudy: 100, kib: 64 });
  await withQueueServer(async ({ url }) => {
    const stored = await storeStudies(url, args, 1);
    const updateStart = performance.now();
    const accepted = await fetch(`${url}/v2/studies/$bulkUpdate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        studyInstanceUids: stored.uids,
        changeDataset: {
          '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Bench^Updated' }] },
          '00100020': { vr: 'LO', Value: ['BENCH-NEW'] },
          '00080050': { vr: 'SH', Value: ['ACC-BENCH'] },
        },
      }),
    });
    if (accepted.status !== 202) throw new Error(`update answered ${accepted.status}: ${await accepted.text()}`);
    const { href } = (await accepted.json()) as { href: string };
    const results = await operationResults(href);
    const updateSeconds = (performance.now() - updateStart) / 1000;
    console.log(
      `${stored.count} instances of ${(stored.bytes / stored.count / 1024).toFixed(0)} KiB (${args.studies} studies, one STOW request each)`,
    );
    console.log(`STOW:                    ${stored.seconds.toFixed(1)} s, ${rateOf(stored, stored.seconds)}`);
    console.log(
      `bulk update (operation): ${updateSeconds.toFixed(1)} s, ${rateOf(stored, updateSeconds)}; results ${JSON.stringify(results)}`,
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
