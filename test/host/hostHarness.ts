import path from 'node:path';
import { startFunctionsHost, type FunctionsHost } from '../../host/functionsHost/functionsHost';
import { lineLogger } from '../../host/functionsHost/hostLog';
import { APP_ROOT, BUILD_ENTRY_POINT } from '../support/testServer';

export interface HostUnderTest {
  readonly url: string;
  readonly host: FunctionsHost;
  /** Every line logged at information and above, e.g. `[error] echo <id>: message`. */
  readonly logs: string[];
  close(): Promise<void>;
}

/** The fixture app (fixtureApp/echoApp.ts) on the local Functions host, on a free port. */
export function startFixtureHost(
  options: { functionTimeoutMs?: number; proxyActivityTimeoutMs?: number } = {},
): Promise<HostUnderTest> {
  return startHostFor(path.join(__dirname, 'fixtureApp', 'echoApp.js'), options);
}

/** The real app on the local Functions host, with whatever storage settings the test made (none started). */
export function startAppHost(): Promise<HostUnderTest> {
  return startHostFor(BUILD_ENTRY_POINT, {});
}

async function startHostFor(
  entryPoint: string,
  options: { functionTimeoutMs?: number; proxyActivityTimeoutMs?: number },
): Promise<HostUnderTest> {
  const logs: string[] = [];
  const host = await startFunctionsHost({
    appDirectory: APP_ROOT,
    entryPoint,
    log: lineLogger('information', (_level, line) => void logs.push(line)),
    ...options,
  });
  const { url } = await host.http.listen(0);
  host.http.server.unref();
  return { url, host, logs, close: () => host.stop() };
}

export { rawRequest, type RawResponse } from '../support/rawRequest';
