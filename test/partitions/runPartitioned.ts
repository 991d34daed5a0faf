/**
 * `npm run test:partitioned` (part of `npm test`): the existing QIDO, WADO, STOW, delete and
 * change-feed suites again, unchanged, against a server with data partitions enabled, every request
 * going through a named partition (test/support/partitionedRun.ts). Left out: suites that check
 * what legitimately differs with partitions on (RetrieveURLs and Locations carry
 * `/partitions/{name}`, feed entries carry `PartitionName`: stowTutorials, changeFeedApi,
 * workitemLifecycle) and suites that drive server code in-process, outside any request's partition
 * (searchIndexSettle, deleteRecovery, searchRebuild); test/partitions/partitionIsolation.test.ts
 * covers those differences.
 */
import { rerunSuites } from '../support/suiteRerun';
import { TEST_PARTITION_VARIABLE } from '../support/partitionedRun';

const SUITES = [
  'search/searchRoutes',
  'search/searchMatching',
  'search/searchPaging',
  'search/searchReturnedAttributes',
  'search/searchConsistency',
  'search/searchCost',
  'retrieve/retrieveInstances',
  'retrieve/retrieveMetadata',
  'retrieve/retrieveFrames',
  'retrieve/retrieveTranscoding',
  'retrieve/retrieveFrameLimits',
  'retrieve/retrieveFramesLegacyIndex',
  'rendered/renderedImages',
  'store/stowFailures',
  'store/stowTransferSyntaxes',
  'store/stowLimits',
  'store/stowConsistency',
  'store/hostileIdentifiers',
  'delete/deleteLevels',
  'delete/deleteConcurrency',
  'changefeed/changeFeedBlocks',
  'changefeed/changeFeedMetadataBound',
  'changefeed/changeFeedQuery',
  'export/export',
];

rerunSuites(SUITES, { [TEST_PARTITION_VARIABLE]: 'Suite.Partition' });
