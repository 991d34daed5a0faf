import path from 'node:path';
import { resetConfig } from '../../shared/config';
import { resetClients } from '../../shared/storage/clients';
import { ensureStorage } from '../../shared/storage/provision';
import { startAzurite } from '../../host/azurite';
import { startFunctionsHost, type FunctionsHost } from '../../host/functionsHost/functionsHost';
import { consoleLogger } from '../../host/functionsHost/hostLog';
import type { QueuesOptions } from '../../host/functionsHost/queueOptions';
import type { WorkerLogger } from '../../host/worker/nodeWorker';
import { ensurePartition } from '../../shared/partitions/partitionRegistry';
import { routeFetchThroughPartition, testPartitionName } from './partitionedRun';

export interface TestServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly baseUrl: string;
  /** The in-memory Azurite's explicit connection string, for checking storage directly. */
  readonly connectionString: string;
  /** The host and worker, for tests that invoke a function directly (timers). */
  readonly functionsHost: FunctionsHost;
  /** Closes the server and stops Azurite; safe to call twice. */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Extra settings (e.g. DICOM_MAX_REQUEST_BYTES), set before the configuration is read. */
  readonly env?: Record<string, string>;
  /** Shorter than the host's 240 s, for tests of a worker that stops answering. */
  readonly proxyActivityTimeoutMs?: number;
  /** Poll the app's queue triggers (background operations), as `npm start` does. */
  readonly runQueueTriggers?: boolean;
  /** Instead of host.json's extensions.queues (shorter retry delays). */
  readonly queuesOptions?: QueuesOptions;
  /** Instead of warnings and errors on the console (tests that check what the app logged). */
  readonly log?: WorkerLogger;
}

/** The repository root, from the compiled location <build>/test/support. */
export const APP_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The entry point of the build this file belongs to (dist/index.js, or a helper build's). */
export const BUILD_ENTRY_POINT = path.resolve(__dirname, '..', '..', 'index.js');

let started = false;

/**
 * The whole app on the local Functions host (Node worker seam, host rules, the library's own
 * HTTP proxy) over an in-memory Azurite on free ports. One per test file: node --test runs each
 * file in its own process, the worker's core module is process-wide, and ensureStorage()
 * provisions once per process. Neither the server nor Azurite keeps the process alive if a test
 * forgets stop().
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  if (started) throw new Error('startTestServer() runs once per test file (process).');
  started = true;
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  try {
    // npm run test:partitioned: the same suites, in a named data partition (./partitionedRun.ts).
    const partitionName = testPartitionName();
    const partitions = partitionName ? { DICOM_DATA_PARTITIONS_ENABLED: 'true' } : {};
    Object.assign(
      process.env,
      { DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString, AzureWebJobsStorage: azurite.connectionString },
      partitions,
      options.env,
    );
    resetConfig();
    resetClients();
    const functionsHost = await startFunctionsHost({
      appDirectory: APP_ROOT,
      entryPoint: BUILD_ENTRY_POINT,
      log: options.log ?? consoleLogger('warning'),
      proxyActivityTimeoutMs: options.proxyActivityTimeoutMs,
      runQueueTriggers: options.runQueueTriggers,
      queuesOptions: options.queuesOptions,
    });
    await ensureStorage();
    const { url } = await functionsHost.http.listen(0, '127.0.0.1');
    if (partitionName) routeFetchThroughPartition(url, await ensurePartition(partitionName));
    functionsHost.http.server.unref();
    let stopping: Promise<void> | undefined;
    return {
      baseUrl: url,
      connectionString: azurite.connectionString,
      functionsHost,
      stop: () => (stopping ??= Promise.all([functionsHost.stop(), azurite.stop()]).then(() => undefined)),
    };
  } catch (error) {
    await azurite.stop();
    throw error;
  }
}
