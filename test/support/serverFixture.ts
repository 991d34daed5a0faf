import { after, before } from 'node:test';
import { storageProbe, type StorageProbe } from './storageProbe';
import { startTestServer } from './testServer';

export interface ServerFixture {
  /** http://127.0.0.1:PORT of the local host. */
  readonly baseUrl: string;
  readonly connectionString: string;
  /** Direct access to the test's storage account, to check what requests left behind. */
  readonly probe: StorageProbe;
}

/**
 * One test server (in-memory Azurite and the local host) for the enclosing suite: started before
 * its first test, stopped after its last. Read the fields inside tests, once it has started.
 */
export function useTestServer(options?: Parameters<typeof startTestServer>[0]): ServerFixture {
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  let probe: StorageProbe | undefined;
  before(async () => {
    server = await startTestServer(options);
    probe = storageProbe(server.connectionString);
  });
  after(() => server?.stop());
  const started = () => {
    if (!server || !probe) throw new Error('The test server has not started yet.');
    return { server, probe };
  };
  return {
    get baseUrl() {
      return started().server.baseUrl;
    },
    get connectionString() {
      return started().server.connectionString;
    },
    get probe() {
      return started().probe;
    },
  };
}
