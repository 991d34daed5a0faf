/**
 * Shared by the host tests: a local host on a free port with its log captured, and a plain
 * node:http client for what fetch hides (Host header, GET bodies, pausing, raw headers).
 */
import type { LogLevel } from '@azure/functions';
import http, { type IncomingHttpHeaders } from 'node:http';
import { createLocalHost, type LocalHost } from '../../host/localHost';
import { LOCAL_HOST_ENV } from '../../shared/http/routeTable';

// Before the test file registers its routes: they go to the route table, not to app.http.
process.env[LOCAL_HOST_ENV] = '1';

export interface HostUnderTest {
  readonly url: string;
  readonly host: LocalHost;
  /** Every line handlers logged, e.g. `[error] name id: message`. */
  readonly logs: string[];
  close(): Promise<void>;
}

/** Serves everything registered so far in this process. */
export async function startHost(): Promise<HostUnderTest> {
  const logs: string[] = [];
  const host = createLocalHost({
    logger: { minLevel: 'information' as LogLevel, write: (_level, line) => void logs.push(line) },
  });
  const { url } = await host.listen(0);
  return { url, host, logs, close: () => host.close() };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export function rawRequest(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer | string; agent?: http.Agent } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent });
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', reject);
      res.once('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.end(options.body);
  });
}
