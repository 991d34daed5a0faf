// `npm run search:rebuild`: rebuilds every study's search summary and index entries from the
// instance table (data stored before search existed, or an index to repair). Storage comes from
// the same settings as the app; with none, the Azurite that `npm start` runs.
// `--rewrite-index` also writes every index entry of studies whose summary is current: entries
// written by releases that copied the summary into them shrink to bare keys.
import { getConfig } from '../shared/config';
import { forEveryPartition } from '../shared/partitions/everyPartition';
import { rebuildSearch } from '../shared/search/searchRebuild';
import { ensureStorage } from '../shared/storage/provision';

async function main(): Promise<void> {
  const env = process.env;
  if (!env.DICOM_STORAGE_CONNECTION_STRING && !env.AzureWebJobsStorage && !env.DICOM_TABLE_SERVICE_URL) {
    env.DICOM_STORAGE_CONNECTION_STRING = 'UseDevelopmentStorage=true';
  }
  // This command serves no request, so it needs no authentication settings.
  env.AUTH_ENABLED ??= 'false';
  const { storage } = getConfig();
  console.log(`Rebuilding search for tables ${storage.tablePrefix}* ...`);
  await ensureStorage();
  const started = performance.now();
  const rewriteIndex = process.argv.slice(2).includes('--rewrite-index');
  let studies = 0;
  // Each data partition has its own search tables (docs/partitions.md).
  await forEveryPartition(
    async (partition) => {
      console.log(`Partition ${partition.name}:`);
      studies += await rebuildSearch((done) => console.log(`  ${done} studies refreshed`), { rewriteIndex });
    },
    (partition, error) => {
      throw new Error(`Rebuilding ${partition.name} failed`, { cause: error });
    },
  );
  console.log(`Done: ${studies} studies in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
