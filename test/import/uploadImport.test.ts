/**
 * `npm run upload` with the import container (docs/import.md): a file above the server's request
 * limit is written to the import container and awaited until QIDO finds it; smaller files go by
 * STOW as before. The server's import timer runs here while the tool waits.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { invokeTimer } from '../../host/functionsHost/timerRunner';
import type { UploadSummary } from '../../scripts/upload/upload';
import { makeDicom, newUid } from '../support/dicomFactory';
import { startTestServer, type TestServer } from '../support/testServer';
import { blobNames, importContainers } from './importSupport';

const LIMIT = 256 * 1024;
const TOOL = path.resolve(__dirname, '..', '..', 'scripts', 'upload', 'upload.js');

describe('upload tool with the import container', () => {
  let server: TestServer;
  let folder: string;
  before(async () => {
    server = await startTestServer({ env: { DICOM_MAX_REQUEST_BYTES: String(LIMIT) } });
    folder = await mkdtemp(path.join(tmpdir(), 'upload-import-'));
  });
  after(async () => {
    await server.stop();
    await rm(folder, { recursive: true, force: true });
  });

  it('imports the file above the request limit and waits until it is searchable', async () => {
    const study = newUid();
    await writeFile(path.join(folder, 'small-1.dcm'), makeDicom({ studyInstanceUid: study }));
    await writeFile(path.join(folder, 'small-2.dcm'), makeDicom({ studyInstanceUid: study }));
    await writeFile(path.join(folder, 'large.dcm'), makeDicom({ studyInstanceUid: study, pixelDataBytes: 2 * LIMIT }));
    const tool = promisify(execFile)(
      process.execPath,
      [
        TOOL,
        folder,
        '--url',
        server.baseUrl,
        '--json',
        '--quiet',
        '--import-connection-string',
        server.connectionString,
      ],
      { timeout: 120_000 },
    );
    let done = false;
    void tool.finally(() => (done = true)).catch(() => undefined);
    const timer = server.functionsHost.index.timers.find((t) => t.name === 'importFiles');
    assert.ok(timer);
    while (!done) {
      await invokeTimer(server.functionsHost.worker, timer);
      await sleep(300);
    }
    const summary = JSON.parse((await tool).stdout) as UploadSummary;
    assert.deepEqual(
      { stored: summary.stored, imported: summary.imported, tooLarge: summary.tooLarge, failed: summary.failed },
      { stored: 2, imported: 1, tooLarge: 0, failed: 0 },
    );
    assert.deepEqual(await blobNames(importContainers(server.connectionString).imports), []);
    const response = await fetch(`${server.baseUrl}/v2/studies/${study}/instances`);
    assert.equal(((await response.json()) as unknown[]).length, 3);
  });
});
