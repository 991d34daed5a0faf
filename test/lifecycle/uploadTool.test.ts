/**
 * The upload tool (scripts/upload/upload.ts) against the local host: a folder of small files goes
 * in multipart batches through a proxy that refuses the first requests with 503 and 429 (the tool
 * backs off and retries), a file above the server's request limit is reported and skipped, a file
 * that is not DICOM is skipped, every instance ends up searchable, and a second run sends nothing
 * the server already has.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { UploadSummary } from '../../scripts/upload/upload';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';

const LIMIT = 256 * 1024;
const server = useTestServer({ env: { DICOM_MAX_REQUEST_BYTES: String(LIMIT) } });
const TOOL = path.resolve(__dirname, '..', '..', 'scripts', 'upload', 'upload.js');

/** Forwards to the server, except that the first `refusals` store requests get 503, then 429. */
function flakyProxy(target: string, refusals: number): http.Server {
  let left = refusals;
  return http.createServer((request, response) => {
    if (request.method === 'POST' && left > 0) {
      left -= 1;
      request.resume();
      request.on('end', () => response.writeHead(left % 2 === 1 ? 503 : 429, { 'Retry-After': '0' }).end());
      return;
    }
    const upstream = http.request(
      `${target}${request.url ?? '/'}`,
      { method: request.method, headers: request.headers },
      (reply) => {
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
}

async function run(folder: string, url: string): Promise<{ code: number; summary: UploadSummary; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [TOOL, folder, '--url', url, '--concurrency', '3', '--batch-files', '5', '--json', '--quiet'],
      { timeout: 120_000 },
    );
    return { code: 0, summary: JSON.parse(stdout) as UploadSummary, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: failed.code ?? -1,
      summary: JSON.parse(failed.stdout ?? '{}') as UploadSummary,
      stderr: failed.stderr ?? '',
    };
  }
}

describe('npm run upload', () => {
  let folder: string;
  let proxy: http.Server;
  let proxyUrl: string;
  const sops: string[] = [];
  before(async () => {
    folder = await mkdtemp(path.join(tmpdir(), 'upload-'));
    await mkdir(path.join(folder, 'nested'));
    const study = newUid();
    for (let i = 0; i < 12; i++) {
      const sop = newUid();
      sops.push(sop);
      const file = makeDicom({ studyInstanceUid: study, sopInstanceUid: sop, pixelDataBytes: 4096 });
      await writeFile(path.join(folder, i % 2 ? 'nested' : '', `${i}.dcm`), file);
    }
    await writeFile(path.join(folder, 'big.dcm'), makeDicom({ studyInstanceUid: study, pixelDataBytes: 2 * LIMIT }));
    await writeFile(path.join(folder, 'README.txt'), 'not DICOM');
    proxy = flakyProxy(server.baseUrl, 2);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    proxy.close();
    await rm(folder, { recursive: true, force: true });
  });

  it('uploads with retries, reports a file above the limit, and resumes', async () => {
    const first = await run(folder, proxyUrl);
    assert.equal(first.code, 1, 'a file was too large: exit code 1');
    assert.equal(first.summary.stored, 12, first.stderr);
    assert.equal(first.summary.tooLarge, 1);
    assert.equal(first.summary.notDicom, 1);
    assert.equal(first.summary.failed, 0);
    assert.ok(first.summary.retriedRequests >= 2, 'the 503 and the 429 were retried');
    assert.match(first.stderr, /too large: .*big\.dcm: \d+ bytes is above the server's request limit/);
    assert.match(first.stderr, /skipped .*README\.txt: not a DICOM Part 10 file/);

    const found = await fetch(`${server.baseUrl}/v2/instances?SOPInstanceUID=${sops.join(',')}&limit=200`);
    assert.equal(((await found.json()) as unknown[]).length, 12);

    const second = await run(folder, server.baseUrl);
    assert.equal(second.summary.stored, 0);
    assert.equal(second.summary.alreadyThere, 12, 'resumed: the server has them');
    assert.equal(second.summary.requests, 1, 'only the file above the limit was sent again');
  });
});
