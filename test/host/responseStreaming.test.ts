// Streamed responses through the library's proxy as patched (patches/@azure+functions+*.patch):
// memory flat to a slow reader, reading stops when the client leaves, an error before the first
// byte is the app's error answer, an error later breaks the connection at once.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { probes } from './fixtureApp/probes';
import { startFixtureHost, type HostUnderTest } from './hostHarness';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('response streaming through the worker proxy', () => {
  let server: HostUnderTest;
  before(async () => {
    server = await startFixtureHost({ proxyActivityTimeoutMs: 20_000 });
  });
  after(() => server.close());

  function open(path: string): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = http.get(`${server.url}${path}`, resolve);
      req.once('error', reject);
    });
  }

  it('produces the body only as fast as a paused client takes it', async () => {
    const res = await open(`/stream/ok?bytes=${64 * MiB}`);
    assert.equal(res.statusCode, 200);
    res.pause();
    await sleep(1500);
    // Socket buffers on both hops hold a few MiB; without backpressure all 64 MiB are produced.
    assert.ok(probes.pulled < 16 * MiB, `produced ${probes.pulled} bytes for a client that read nothing`);
    let received = 0;
    res.on('data', (chunk: Buffer) => (received += chunk.length));
    const ended = new Promise((resolve) => res.once('close', resolve));
    res.resume();
    await ended;
    assert.equal(received, 64 * MiB);
  });

  it('stops producing, and closes the source, when the client leaves', async () => {
    const res = await open(`/stream/ok?bytes=${256 * MiB}`);
    await new Promise<void>((resolve) => {
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= MiB) {
          res.destroy();
          resolve();
        }
      });
    });
    const deadline = Date.now() + 3000;
    while (!probes.sourceClosed && Date.now() < deadline) await sleep(50);
    assert.ok(probes.sourceClosed, 'the source is closed once the client has gone');
    const pulled = probes.pulled;
    await sleep(300);
    assert.equal(probes.pulled, pulled);
    assert.ok(pulled < 32 * MiB, `produced ${pulled} bytes`);
  });

  it("answers a source that fails before its first byte with the app's error response", async () => {
    const response = await fetch(`${server.url}/stream/fail-first`);
    assert.equal(response.status, 500);
    assert.match(await response.text(), /An internal error occurred\. Reference: /);
  });

  it('breaks the connection at once when the source fails after the headers', async () => {
    const started = Date.now();
    const res = await open(`/stream/fail-later?bytes=${16 * MiB}`);
    assert.equal(res.statusCode, 200);
    const outcome = await new Promise<string>((resolve) => {
      res.on('data', () => undefined);
      res.once('end', () => resolve('ended'));
      res.once('aborted', () => resolve('aborted'));
      res.once('error', () => resolve('aborted'));
    });
    assert.equal(outcome, 'aborted');
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  });
});
