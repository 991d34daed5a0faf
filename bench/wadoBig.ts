/**
 * Retrieve of a 1 GiB study: the server's memory while it streams one 1 GiB multi-frame instance
 * back (transfer-syntax=*), and the throughput.
 *
 *   npm run build && node dist/bench/wadoBig.js [--gib 1]
 */
import http from 'node:http';
import { parseArgs } from 'node:util';
import { MemorySampler, readMemory } from './procfs';
import { numberAtLeast } from './cliArgs';
import { startOurServer } from './servers';
import { bigMultiFrameInstance, STOW_CONTENT_TYPE } from './stowInstances';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { gib: { type: 'string', default: '1' } } });
  const server = await startOurServer({ apiVersion: 'v2' });
  try {
    const instance = bigMultiFrameInstance(numberAtLeast('gib', values.gib, 0.001));
    const stored = await send('POST', `${server.base}/studies`, { 'Content-Type': STOW_CONTENT_TYPE }, instance.body);
    if (stored.status !== 200) throw new Error(`store answered ${stored.status}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = readMemory(server.pid)?.rssKiB ?? 0;
    const sampler = new MemorySampler(server.pid, 100);
    const started = performance.now();
    const retrieved = await send('GET', `${server.base}/studies/${instance.studyInstanceUid}`, {
      Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*',
    });
    const seconds = (performance.now() - started) / 1000;
    const peak = sampler.stop().peakRssKiB;
    const mib = (kib: number): string => (kib / 1024).toFixed(0);
    console.log(
      `1 GiB study retrieve: HTTP ${retrieved.status}, ${(retrieved.bytes / 1e6).toFixed(0)} MB in ${seconds.toFixed(1)} s = ` +
        `${(retrieved.bytes / 1e6 / seconds).toFixed(0)} MB/s; server RSS idle ${mib(idle)} MiB, peak ${mib(peak)} MiB, ` +
        `peak-idle ${mib(peak - idle)} MiB`,
    );
  } finally {
    await server.stop();
  }
}

/** Sends a request (streaming the body chunk by chunk) and counts the response bytes without keeping them. */
function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: { chunks: Iterable<Buffer>; length: number },
): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method,
      headers: body ? { ...headers, 'Content-Length': body.length } : headers,
    });
    request.on('error', reject);
    request.on('response', (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', reject);
    });
    if (!body) {
      request.end();
      return;
    }
    const chunks = body.chunks[Symbol.iterator]();
    const pump = (): void => {
      for (let next = chunks.next(); !next.done; next = chunks.next()) {
        if (!request.write(next.value)) {
          request.once('drain', pump);
          return;
        }
      }
      request.end();
    };
    pump();
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
