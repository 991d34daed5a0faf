import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLocalHost, type LocalHost } from '../localHost';
import { NodeWorker, type WorkerLogger } from '../worker/nodeWorker';
import { indexFunctions, type FunctionIndex } from './functionIndex';
import { BODY_SIZE_LIMIT_SETTING, DEFAULT_FUNCTION_TIMEOUT_MS } from './hostRules';

/** 300 MiB: FUNCTIONS_REQUEST_BODY_SIZE_LIMIT as deployed (test/host/deployedSettings.test.ts checks they agree). */
export const DEPLOYED_BODY_SIZE_LIMIT = 314_572_800;
import { startTimers } from './timerRunner';
import { startQueueTriggers } from './queueTriggers';
import { queuesOptionsFrom, type QueuesOptions } from './queueOptions';
import { LOCAL_HOST_SETTING } from '../../shared/auth/authConfig';

export interface FunctionsHostOptions {
  /** The folder with package.json and host.json (the built app is under its `main`). */
  readonly appDirectory: string;
  /** Instead of package.json `main` (tests load the build they belong to). */
  readonly entryPoint?: string;
  readonly log: WorkerLogger;
  /** Run timer functions on their schedules (npm start); tests invoke what they need themselves. */
  readonly runTimers?: boolean;
  /** Poll the queues of the app's queue triggers (npm start; tests that need them). */
  readonly runQueueTriggers?: boolean;
  /** Instead of host.json's extensions.queues (tests of the queue rules). */
  readonly queuesOptions?: QueuesOptions;
  readonly proxyActivityTimeoutMs?: number;
  /** Instead of host.json's functionTimeout (tests of the timeout). */
  readonly functionTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface FunctionsHost {
  readonly http: LocalHost;
  readonly worker: NodeWorker;
  readonly index: FunctionIndex;
  /** Files the worker loaded from package.json `main`. */
  readonly files: readonly string[];
  /** Stops the timers and the HTTP side. */
  stop(): Promise<void>;
}

/**
 * Starts the app as the Functions host and the Node worker would: the worker loads the entry
 * point (the app registers through app.http/app.timer), the host indexes what it registered with
 * the host's rules (refusing to start on a conflict), the programming model opens its HTTP proxy,
 * and the HTTP side and the timers begin.
 */
export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  // The app's one local-only default: authentication off unless AUTH_ENABLED says otherwise
  // (shared/auth/authConfig.ts). Everything else runs as deployed.
  process.env[LOCAL_HOST_SETTING] = '1';
  // The body limit every deployment sets (local.settings.json for Core Tools, infra/main.bicep on
  // Azure); without it the host's own default of 100 MiB would apply.
  process.env[BODY_SIZE_LIMIT_SETTING] ??= String(DEPLOYED_BODY_SIZE_LIMIT);
  const worker = new NodeWorker(options.log);
  const files = await worker.loadApp(options.appDirectory, options.entryPoint);
  const index = indexFunctions(worker.indexFunctions());
  const { HttpUri: workerHttpUri } = await worker.capabilities();
  if (!workerHttpUri) throw new Error('The app did not enable HTTP streaming (app.setup({ enableHttpStream: true })).');
  const http = createLocalHost({
    worker,
    index,
    workerHttpUri,
    log: options.log,
    functionTimeoutMs: options.functionTimeoutMs ?? functionTimeoutMs(options.appDirectory),
    proxyActivityTimeoutMs: options.proxyActivityTimeoutMs,
    env: options.env,
  });
  const stopTimers = options.runTimers ? startTimers(worker, index.timers, options.log) : () => undefined;
  const stopQueues = options.runQueueTriggers
    ? startQueueTriggers(
        worker,
        index.queues,
        options.queuesOptions ?? hostQueuesOptions(options.appDirectory),
        options.log,
        options.env,
      )
    : () => Promise.resolve();
  return {
    http,
    worker,
    index,
    files,
    stop: async () => {
      stopTimers();
      await stopQueues();
      await http.close();
      await worker.shutdown();
    },
  };
}

/** host.json `extensions.queues`, with the extension's defaults. */
export function hostQueuesOptions(appDirectory: string): QueuesOptions {
  const hostJson = JSON.parse(readFileSync(path.join(appDirectory, 'host.json'), 'utf8')) as {
    extensions?: { queues?: unknown };
  };
  return queuesOptionsFrom(hostJson.extensions?.queues);
}

/** host.json `functionTimeout` ("hh:mm:ss", or "-1" for none), else the plan default. */
export function functionTimeoutMs(appDirectory: string): number {
  const hostJson = JSON.parse(readFileSync(path.join(appDirectory, 'host.json'), 'utf8')) as {
    functionTimeout?: string;
  };
  const raw = hostJson.functionTimeout?.trim();
  if (!raw) return DEFAULT_FUNCTION_TIMEOUT_MS;
  if (raw === '-1') return 2 ** 31 - 1;
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(raw);
  if (!match) throw new Error(`host.json functionTimeout "${raw}" is not [d.]hh:mm:ss.`);
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return (((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000;
}
