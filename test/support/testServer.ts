import path from 'node:path';
import { resetConfig } from '../../shared/config';
import { LOCAL_HOST_ENV } from '../../shared/http/routeTable';
import { resetClients } from '../../shared/storage/clients';
import { ensureStorage } from '../../shared/storage/provision';
import { startAzurite } from '../../host/azurite';
import { loadFunctionApp } from '../../host/functionApp';
import { createLocalHost } from '../../host/localHost';

// Set on import, before the test file's own code runs: routes a test registers go to the route
// table only, as they do in the app's function files under the local host.
process.env[LOCAL_HOST_ENV] = '1';

export interface TestServer {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly baseUrl: string;
  /** The in-memory Azurite's explicit connection string, for checking storage directly. */
  readonly connectionString: string;
  /** Closes the server and stops Azurite; safe to call twice. */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Extra settings (e.g. DICOM_MAX_REQUEST_BYTES), set before the configuration is read. */
  readonly env?: Record<string, string>;
}

let started = false;

/**
 * The whole app on an in-process local host over an in-memory Azurite on free ports. One per test
 * file: node --test runs each file in its own process, and ensureStorage() provisions once per
 * process. Neither the server nor Azurite keeps the process alive if a test forgets stop().
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  if (started) throw new Error('startTestServer() runs once per test file (process).');
  started = true;
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  try {
    Object.assign(process.env, { DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString }, options.env);
    resetConfig();
    resetClients();
    // This file compiles to dist/test/support/; the app is in dist/.
    await loadFunctionApp(path.resolve(__dirname, '..', '..'));
    await ensureStorage();
    const host = createLocalHost();
    const { url } = await host.listen(0, '127.0.0.1');
    host.server.unref();
    let stopping: Promise<void> | undefined;
    return {
      baseUrl: url,
      connectionString: azurite.connectionString,
      stop: () => (stopping ??= Promise.all([host.close(), azurite.stop()]).then(() => undefined)),
    };
  } catch (error) {
    await azurite.stop();
    throw error;
  }
}
