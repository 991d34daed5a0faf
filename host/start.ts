// `npm start`: the DICOMweb app on a local host with Azurite, no Functions Core Tools needed.
import path from 'node:path';
import { inspect } from 'node:util';
import { getConfig } from '../shared/config';
import { ensureStorage } from '../shared/storage/provision';
import { AZURITE_DEFAULT_PORTS, AzuritePortInUseError, FREE_PORTS, type AzuritePorts } from './azurite';
import { FunctionIndexError } from './functionsHost/functionIndex';
import { startFunctionsHost } from './functionsHost/functionsHost';
import { consoleLogger } from './functionsHost/hostLog';
import { savedAll, startPersistentAzurite, type PersistentAzurite } from './persistentAzurite';

/** The app folder: package.json (its `main` is dist/index.js) and host.json. */
const APP_ROOT = path.resolve(__dirname, '..', '..');
const AZURITE_DIR = path.resolve(APP_ROOT, '.azurite');
/** Hosts for which `localhost` is the address to show. */
const LOOPBACK_OR_ANY = new Set(['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost']);

async function main(): Promise<void> {
  console.log(
    'DICOMweb Functions app on the local Functions host: the Node worker seam and the host rules of docs/functions-host.md',
  );
  const port = portFromEnv();
  // Loopback unless told otherwise (e.g. 0.0.0.0 in a container): nothing here checks who calls.
  const host = process.env.DICOMWEB_LISTEN_ADDRESS?.trim() || '127.0.0.1';

  const { azurite, storage } = await chooseStorage();
  // The host's own storage (its queue triggers) is the app's storage, as local.settings.json has it.
  const connectionString = process.env.DICOM_STORAGE_CONNECTION_STRING?.trim();
  if (!process.env.AzureWebJobsStorage?.trim() && connectionString) process.env.AzureWebJobsStorage = connectionString;
  const stopAzurite = (): Promise<void> => azurite?.stop() ?? Promise.resolve();
  try {
    const functionsHost = await startFunctionsHost({
      appDirectory: APP_ROOT,
      log: consoleLogger(),
      runTimers: true,
      runQueueTriggers: true,
    });
    const { index } = functionsHost;
    console.log(
      `Loaded ${functionsHost.files.length} file(s): ${index.http.length} HTTP functions, ${index.timers.length} timer(s), ${index.queues.length} queue trigger(s)` +
        `${index.warmup ? ', a warm-up trigger' : ''}.`,
    );
    await ensureStorage();
    const { url } = await functionsHost.http.listen(port, host);

    const shutdown = (signal: string): void => {
      console.log(`${signal}: stopping${azurite ? ' the server, then Azurite (saving its data)' : ''}...`);
      // The server first, so that nothing is stored after Azurite's final save.
      void functionsHost
        .stop()
        .then(stopAzurite)
        .then(
          () => {
            if (azurite) console.log('Stopped; Azurite saved its data.');
            process.exit(0);
          },
          (error: unknown) => {
            console.error(`Could not stop cleanly: ${explain(error)}`);
            process.exit(1);
          },
        );
    };
    // once: a second Ctrl-C falls back to the default action, which ends the process at once
    // (Azurite keeps running with the data and the next `npm start` takes it over).
    process.once('SIGINT', shutdown).once('SIGTERM', shutdown).once('SIGHUP', shutdown);
    // Only now: whoever waits for this line may stop the server at once, and a SIGTERM before the
    // handlers above would end the process without stopping Azurite.
    const shown = LOOPBACK_OR_ANY.has(host) ? `http://localhost:${new URL(url).port}` : url;
    console.log(`DICOMweb server listening on ${shown} (v1 and v2); storage: ${storage}`);
    announceAuth();
  } catch (error) {
    await stopAzurite().catch(() => undefined); // the start-up error is the one to report
    throw error;
  }
}

/**
 * Storage from the environment if it names some; otherwise Azurite with its data in ./.azurite/
 * (DICOM_AZURITE_LOCATION), run as its own process so that a crash of this one loses nothing:
 * host/persistentAzurite.ts. One left running by a previous `npm start` on that folder is reused.
 */
async function chooseStorage(): Promise<{ azurite: PersistentAzurite | undefined; storage: string }> {
  const env = process.env;
  if (env.DICOM_STORAGE_CONNECTION_STRING?.trim()) {
    return { azurite: undefined, storage: 'DICOM_STORAGE_CONNECTION_STRING from the environment (no Azurite started)' };
  }
  if (env.DICOM_BLOB_SERVICE_URL?.trim() && env.DICOM_TABLE_SERVICE_URL?.trim()) {
    return { azurite: undefined, storage: 'DICOM_BLOB_SERVICE_URL/DICOM_TABLE_SERVICE_URL (no Azurite started)' };
  }
  const location = path.resolve(env.DICOM_AZURITE_LOCATION?.trim() || AZURITE_DIR);
  const azurite = await startPersistentAzurite(location, azuritePortsFromEnv());
  env.DICOM_STORAGE_CONNECTION_STRING = azurite.connectionString;
  for (const { pid, report } of azurite.replaced) {
    const saved = savedAll(report) ? 'its data saved' : `SAVE NOT CONFIRMED: ${report ?? 'no report'}`;
    console.log(`A previous Azurite (pid ${pid}) on ${location} could not be reused and was stopped (${saved}).`);
  }
  const ports = [azurite.blobUrl, azurite.queueUrl, azurite.tableUrl].map((url) => new URL(url).port).join(', ');
  const how = azurite.reused ? 'already running, reused' : 'started';
  return { azurite, storage: `Azurite (pid ${azurite.pid}, ${how}) on ports ${ports}, data in ${location}` };
}

/** DICOM_AZURITE_PORTS: `blob,queue,table`, or `0` for free ports; default 10000-10002. */
function azuritePortsFromEnv(): AzuritePorts {
  const raw = process.env.DICOM_AZURITE_PORTS?.trim();
  if (!raw) return AZURITE_DEFAULT_PORTS;
  if (raw === '0') return FREE_PORTS;
  const ports = raw.split(',').map((part) => Number(part.trim()));
  const [blob, queue, table] = ports;
  const valid = ports.length === 3 && ports.every((port) => Number.isInteger(port) && port > 0 && port <= 65535);
  if (!valid || blob === undefined || queue === undefined || table === undefined) {
    throw new Error(`DICOM_AZURITE_PORTS must be three ports "blob,queue,table" or 0, not "${raw}".`);
  }
  return { blob, queue, table };
}

/** Loud when auth is off: `npm start` defaults to it, and anyone who reaches the port may then do anything. */
function announceAuth(): void {
  const { auth } = getConfig();
  if (!auth.enabled) {
    console.warn(
      `*** AUTHENTICATION IS OFF (${auth.enabledBy}): anyone who can reach this server can read, store and delete. ` +
        'Set AUTH_ENABLED=true, AUTH_TENANT_ID and AUTH_AUDIENCES to require Entra ID tokens (docs/auth.md). ***',
    );
    return;
  }
  console.log(`Authentication on: Entra ID tenant ${auth.tenantId ?? '?'}, audiences ${auth.audiences.join(', ')}.`);
}

function portFromEnv(): number {
  const raw = process.env.PORT?.trim() || '7071';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${raw}".`);
  return port;
}

function explain(error: unknown): string {
  if (error instanceof FunctionIndexError) return error.message;
  if (error instanceof AzuritePortInUseError) {
    return error.isAzurite
      ? `${error.message}\nAnother Azurite, not on this data folder, is running. Stop it, set DICOM_AZURITE_PORTS to other ports, ` +
          `or let this server use it (started with --skipApiVersionCheck):\n` +
          `  DICOM_STORAGE_CONNECTION_STRING=UseDevelopmentStorage=true npm start`
      : `${error.message}\nFree the ports, set DICOM_AZURITE_PORTS to other ports, or point the server at other storage with DICOM_STORAGE_CONNECTION_STRING.`;
  }
  if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    return `${error.message}\nAnother process holds the port; set PORT to use a different one.`;
  }
  // Causes matter here: ensureStorage() wraps the storage error that says what is wrong.
  let text = '';
  for (let e: unknown = error; e !== undefined; e = e instanceof Error ? e.cause : undefined) {
    text += (text ? '\n  caused by ' : '') + (e instanceof Error ? `${e.name}: ${e.message}` : inspect(e));
  }
  return text;
}

main().catch((error: unknown) => {
  console.error(`Could not start: ${explain(error)}`);
  process.exit(1);
});
