/**
 * `npm run test:staged-feed` (part of `npm test`): existing store, recovery, delete, upsert, event
 * and change-feed suites again, unchanged, with DICOM_LOCAL_FEED_ALWAYS_STAGE on, so every commit
 * of the server under test takes the path of a worker that lost the counter's race on Azure: staged,
 * then numbered by a sequencing round (docs/delete-and-changefeed.md "Many writers"). One process
 * never races itself, so without this the path would run only in feedStaging.test.ts.
 */
import { rerunSuites } from '../support/suiteRerun';

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

rerunSuites(SUITES, { DICOM_LOCAL_FEED_ALWAYS_STAGE: 'true' });
