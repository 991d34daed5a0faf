// The app's one entry point (package.json `main`), loaded by the Node worker on Azure and by the
// local host alike. Every function module records its routes; registerHttpFunctions() then gives
// each route template exactly one Azure Function through app.http.
import { app } from '@azure/functions';
import './functions/addExtendedQueryTags';
import './functions/bulkUpdate';
import './functions/changeFeed';
import './functions/changeFeedLatest';
import './functions/changeWorkitemState';
import './functions/createWorkitem';
import './functions/deleteExtendedQueryTag';
import './functions/deleteInstance';
import './functions/deleteSeries';
import './functions/deleteStudy';
import './functions/exportInstances';
import './functions/extendedQueryTagOperations';
import './functions/getExtendedQueryTag';
import './functions/getOperation';
import './functions/health';
import './functions/importFiles';
import './functions/listExtendedQueryTagErrors';
import './functions/listExtendedQueryTags';
import './functions/listPartitions';
import './functions/publishDicomEvents';
import './functions/requestWorkitemCancellation';
import './functions/requeueStaleOperations';
import './functions/retrieveFrames';
import './functions/retrieveInstance';
import './functions/retrieveInstanceMetadata';
import './functions/retrieveInstanceThumbnail';
import './functions/retrieveRenderedFrame';
import './functions/retrieveRenderedInstance';
import './functions/retrieveSeries';
import './functions/retrieveSeriesMetadata';
import './functions/retrieveSeriesThumbnail';
import './functions/retrieveStudy';
import './functions/retrieveStudyMetadata';
import './functions/retrieveStudyThumbnail';
import './functions/retrieveWorkitem';
import './functions/runOperationStep';
import './functions/searchInstances';
import './functions/searchSeries';
import './functions/searchStudies';
import './functions/searchStudyInstances';
import './functions/searchStudySeries';
import './functions/searchStudySeriesInstances';
import './functions/searchWorkitems';
import './functions/storeInstances';
import './functions/startupRecovery';
import './functions/storeInstancesInStudy';
import './functions/sweepAbandonedStores';
import './functions/unmatchedRoute';
import './functions/updateExtendedQueryTag';
import './functions/updateWorkitem';
import './functions/upsertInstances';
import './functions/upsertInstancesInStudy';
import './functions/warmup';
import { startEventLoopDiagnostic } from './shared/diagnostics/eventLoopDelay';
import { registerHttpFunctions } from './shared/http/routeTable';
import { startTelemetry } from './shared/telemetry/telemetrySetup';

// Request bodies arrive as streams (library 4.3+, host 4.28+): DICOM uploads are never buffered
// by the worker. (The host may still buffer them: docs/functions-host.md.)
app.setup({ enableHttpStream: true });
// Before any invocation: traces are on when Application Insights or the console is configured.
startTelemetry();
registerHttpFunctions();
startEventLoopDiagnostic();
