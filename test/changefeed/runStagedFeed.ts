/**
 * `npm run test:staged-feed` (part of `npm test`): existing store, recovery, delete, upsert, event
 * and change-feed suites again, unchanged, with DICOM_LOCAL_FEED_ALWAYS_STAGE on, so every commit
 * of the server under test takes the path of a worker that lost the counter's race on Azure: staged,
 * then numbered by a sequencing round (docs/delete-and-changefeed.md "Many writers"). One process
 * never races itself, so without this the path would run only in feedStaging.test.ts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const SUITES = [
  'store/stowConsistency',
  'store/commitGroup',
  'store/startupRecovery',
  'store/abandonedStoreSweeper',
  'delete/deleteConcurrency',
  'delete/deleteLevels',
  'lifecycle/upsert',
  'lifecycle/events',
  'changefeed/changeFeedApi',
  'changefeed/changeFeedBlocks',
  'changefeed/changeFeedQuery',
];

// dist/test/changefeed/ -> dist/test/
const TEST_ROOT = path.resolve(__dirname, '..');
const files = SUITES.map((suite) => path.join(TEST_ROOT, `${suite}.test.js`));
const child = spawn(process.execPath, ['--test', '--test-concurrency=3', ...files], {
  stdio: 'inherit',
  env: { ...process.env, DICOM_LOCAL_FEED_ALWAYS_STAGE: 'true' },
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
