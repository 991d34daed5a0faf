import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { setTimeout as delay } from 'node:timers/promises';
import { registerFunction } from '../../shared/http/routeTable';
import { rawRequest, startHost, type HostUnderTest } from './hostFixture';

const MiB = 1024 * 1024;

// Counts the bytes of the body as it streams by, never holding more than a chunk.
registerFunction({
  name: 'countBytes',
  route: 'count',
  methods: ['POST'],
  handler: async (request) => {
    let bytes = 0;
    const reader = (request.body as WebReadableStream<Uint8Array> | null)?.getReader();
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      bytes += chunk.value.byteLength;
    }
    return { jsonBody: { bytes } };
  },
});
// Answers without reading the body, as a size or media-type check would.
registerFunction({
  name: 'rejectEarly',
  route: 'reject',
  methods: ['POST'],
  handler: () => Promise.resolve({ status: 413, body: 'too large' }),
});
registerFunction({
  name: 'echoText',
  route: 'text',
  methods: ['POST'],
  handler: async (request) => ({ body: `got ${(await request.text()).length}` }),
});
// Records how reading ended when the client goes away mid-upload.
let abortedRead: Promise<string> | undefined;
registerFunction({
  name: 'readUntilAbort',
  route: 'abort',
  methods: ['POST'],
  handler: (request) => {
    abortedRead = (async () => {
      const reader = request.body?.getReader();
      try {
        while (!(await reader?.read())?.done);
        return 'completed';
      } catch (error) {
        return `failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    })();
    return abortedRead.then(() => ({ status: 204 }));
  },
});

/** Streams `total` bytes of one reused buffer with backpressure: the client itself stays small. */
function upload(url: string, total: number, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-length': total } });
    req.once('error', reject);
    req.once('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (text: string) => (body += text));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    const block = Buffer.alloc(MiB, 7);
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const size = Math.min(block.length, total - sent);
        sent += size;
        if (!req.write(size === block.length ? block : block.subarray(0, size))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('streaming request bodies', () => {
  let server: HostUnderTest;
  before(async () => {
    server = await startHost();
  });
  after(() => server.close());

  it('streams a 300 MB upload to the handler without buffering it', async () => {
    const cold = process.memoryUsage().rss;
    // Warm up first: code paths, and the malloc arenas that keep freed socket buffers for reuse
    // (a bare node:http server shows the same ~30-40 MB one-off growth on its first upload).
    await upload(`${server.url}/count`, 64 * MiB);
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const started = Date.now();
    const result = await upload(`${server.url}/count`, 300 * MiB);
    clearInterval(sampler);
    const growth = (peak - baseline) / MiB;
    console.log(
      `300 MB upload: RSS +${growth.toFixed(1)} MB over the warmed-up ${(baseline / MiB).toFixed(0)} MB ` +
        `(+${((peak - cold) / MiB).toFixed(1)} MB over the cold start), ${Date.now() - started} ms`,
    );
    assert.equal(result.status, 200);
    assert.deepEqual(JSON.parse(result.body), { bytes: 300 * MiB });
    assert.ok(growth < 50, `RSS grew by ${growth.toFixed(1)} MB`);
  });

  it('answers before the body is read, then discards it and keeps the connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const rejected = await upload(`${server.url}/reject`, 20 * MiB, agent);
      assert.deepEqual(rejected, { status: 413, body: 'too large' });
      const next = await upload(`${server.url}/count`, 1000, agent);
      assert.deepEqual(JSON.parse(next.body), { bytes: 1000 });
    } finally {
      agent.destroy();
    }
  });

  it('supports the buffered text() reader too', async () => {
    const response = await fetch(`${server.url}/text`, { method: 'POST', body: 'hello' });
    assert.equal(await response.text(), 'got 5');
  });

  it('fails the handler read when the client disconnects mid-upload', async () => {
    const req = http.request(`${server.url}/abort`, { method: 'POST', headers: { 'content-length': 10 * MiB } });
    req.on('error', () => {}); // the reset this test causes
    req.write(Buffer.alloc(64 * 1024));
    while (!abortedRead) await delay(5);
    req.destroy();
    assert.match(await abortedRead, /^failed: /);
  });

  it('answers a request whose body framing is bad with 400', async () => {
    const response = await rawRequest(`${server.url}/count`, {
      method: 'POST',
      headers: { 'content-length': 'abc' },
      body: 'x',
    });
    assert.equal(response.status, 400);
  });
});
