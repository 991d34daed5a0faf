import path from 'node:path';
import { startFunctionsHost, type FunctionsHost } from '../host/functionsHost/functionsHost';
import { consoleLogger } from '../host/functionsHost/hostLog';

/** The built app (dist/index.js) on the local Functions host, as `npm start` runs it; no timers, and queue triggers only when asked. */
export function startBenchFunctionsHost(options: { runQueueTriggers?: boolean } = {}): Promise<FunctionsHost> {
  // dist/bench/ → the repository root (package.json, host.json)
  const appDirectory = path.resolve(__dirname, '..', '..');
  return startFunctionsHost({
    appDirectory,
    entryPoint: path.resolve(__dirname, '..', 'index.js'),
    log: consoleLogger('warning'),
    runQueueTriggers: options.runQueueTriggers,
  });
}
