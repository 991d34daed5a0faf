/**
 * Runs bench/passThroughApp.ts on the local Functions host, as `npm start` runs the server:
 *   PORT=7080 DICOM_STORAGE_CONNECTION_STRING=... node dist/bench/passThroughHost.js
 */
import path from 'node:path';
import { startFunctionsHost } from '../host/functionsHost/functionsHost';
import { consoleLogger } from '../host/functionsHost/hostLog';

async function main(): Promise<void> {
  const host = await startFunctionsHost({
    appDirectory: path.resolve(__dirname, '..', '..'),
    entryPoint: path.resolve(__dirname, 'passThroughApp.js'),
    log: consoleLogger('warning'),
  });
  const { url } = await host.http.listen(Number(process.env.PORT ?? 7080), '127.0.0.1');
  console.log(`pass-through app listening on ${url}`);
  const stop = (): void => void host.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
