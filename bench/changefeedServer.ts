/**
 * The app on an in-process local host over a fresh in-memory Azurite (its own process), for the
 * change-feed and delete benchmarks: they seed tables directly, then measure over HTTP.
 */
import { startAzurite } from '../host/azurite';
import { resetConfig } from '../shared/config';
import { resetClients } from '../shared/storage/clients';
import { startBenchFunctionsHost } from './benchHost';
import { ensureStorage } from '../shared/storage/provision';

export interface BenchServer {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export async function startBenchServer(): Promise<BenchServer> {
  const azurite = await startAzurite({ inMemory: true, ports: 'free' });
  process.env.DICOM_STORAGE_CONNECTION_STRING = azurite.connectionString;
  resetConfig();
  resetClients();
  const host = await startBenchFunctionsHost();
  await ensureStorage();
  const { url } = await host.http.listen(0, '127.0.0.1');
  return { baseUrl: url, stop: () => Promise.all([host.stop(), azurite.stop()]).then(() => undefined) };
}

/** Median and 95th percentile of a list of milliseconds. */
export function summarize(samples: readonly number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95) };
}

/** Runs `fn` over 0..count-1 with `concurrency` calls in flight. */
export async function forEachConcurrently(
  count: number,
  concurrency: number,
  fn: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await fn(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
