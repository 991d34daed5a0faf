// Issue 12's acceptance figure: a 192 MiB instance read at about 1 MB/s by a client that leaves
// after 15 s grows the server's memory by less than 96 MiB, and the server keeps answering. The
// server is `npm start`'s own process (dist/host/start.js), so its memory is measured alone.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readMemory } from '../../bench/procfs';
import { startAzurite, type Azurite } from '../../host/azurite';
import { bigMultiFrameInstance, STOW_CONTENT_TYPE } from '../../bench/stowInstances';

const MiB = 1024 * 1024;
const READ_BYTES_PER_SECOND = 1_000_000;
const READ_SECONDS = 15;
const MAX_GROWTH_MIB = 96;

describe('a slow reader of a 192 MiB instance', () => {
  let azurite: Azurite;
  let server: ChildProcess;
  let baseUrl: string;
  before(async () => {
    azurite = await startAzurite({ inMemory: true, ports: 'free' });
    server = spawn(process.execPath, [path.resolve(__dirname, '..', '..', 'host', 'start.js')], {
      env: { ...process.env, PORT: '0', DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    baseUrl = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) resolve(match[1].replace('localhost', '127.0.0.1'));
      });
      server.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
    });
    server.stdout?.resume();
  });
  after(async () => {
    server?.kill('SIGKILL');
    await azurite?.stop();
  });

  test('grows server memory by less than 96 MiB and leaves the server answering', async (t) => {
    const instance = bigMultiFrameInstance(192 / 1024);
    assert.equal(await upload(`${baseUrl}/v2/studies`, instance.body), 200);
    const study = instance.studyInstanceUid;
    const found = (await (await fetch(`${baseUrl}/v2/studies/${study}/instances`)).json()) as {
      '0020000E': { Value: [string] };
      '00080018': { Value: [string] };
    }[];
    const series = found[0]?.['0020000E'].Value[0];
    const sop = found[0]?.['00080018'].Value[0];
    const pid = server.pid as number;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const baseline = (readMemory(pid)?.rssKiB ?? 0) / 1024;

    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, (readMemory(pid)?.rssKiB ?? 0) / 1024)), 200);
    const received = await readSlowly(
      `${baseUrl}/v2/studies/${study}/series/${series}/instances/${sop}`,
      READ_SECONDS * 1000,
    );
    clearInterval(sampler);
    t.diagnostic(`read ${received} bytes; server RSS ${baseline.toFixed(0)} MiB -> peak ${peak.toFixed(0)} MiB`);
    assert.ok(received > 5 * MiB && received < 40 * MiB, `read ${received} bytes in ${READ_SECONDS} s`);
    assert.ok(peak - baseline < MAX_GROWTH_MIB, `RSS ${baseline.toFixed(0)} MiB -> peak ${peak.toFixed(0)} MiB`);

    const health = await fetch(`${baseUrl}/health`);
    assert.equal(health.status, 200);
    const metadata = await fetch(`${baseUrl}/v2/studies/${study}/metadata`);
    assert.equal(metadata.status, 200);
  });
});

/** A streamed STOW with a Content-Length, as most clients send one; resolves with the status. */
function upload(url: string, body: { chunks: Iterable<Buffer>; length: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      headers: { 'Content-Type': STOW_CONTENT_TYPE, 'Content-Length': body.length, Accept: 'application/dicom+json' },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    const chunks = body.chunks[Symbol.iterator]();
    const pump = (): void => {
      for (let next = chunks.next(); !next.done; next = chunks.next()) {
        if (!req.write(next.value)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** Reads about READ_BYTES_PER_SECOND, then leaves after `ms`; resolves with the bytes read. */
function readSlowly(url: string, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'application/dicom; transfer-syntax=*' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET answered ${res.statusCode}`));
      let received = 0;
      const perTick = READ_BYTES_PER_SECOND / 10;
      const ticker = setInterval(() => {
        let budget = perTick;
        while (budget > 0) {
          const chunk = res.read() as Buffer | null;
          if (!chunk) break;
          received += chunk.length;
          budget -= chunk.length;
        }
      }, 100);
      setTimeout(() => {
        clearInterval(ticker);
        res.destroy();
        resolve(received);
      }, ms);
    });
    req.once('error', reject);
  });
}
