/**
 * Bulk import survives a SIGKILL of `npm start`'s server mid-run (docs/import.md, "Crash"): after
 * the restart every file is imported exactly once (one change-feed `create` per instance, each
 * searchable, the large one byte for byte) and the import and error containers end empty.
 * Azurite runs in this process and outlives the kill; the server's own timer does the importing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startAzurite, type Azurite } from '../../host/azurite';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom, newUid } from '../support/dicomFactory';
import { killServer, startServer, stopServer, type StartedServer } from '../support/startCrash';
import { firstValue } from '../support/stowClient';
import { blobNames, dropFiles, errorMessages, importContainers } from './importSupport';

// dist/test/import/ -> dist/host/start.js
const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');
const STUDIES = 2;
const PER_STUDY = 60;
const LARGE_BYTES = 32 * 1024 * 1024;

/** How many `create` entries the change feed holds for each SOP Instance UID. */
async function feedCreates(baseUrl: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let offset = 0; ;) {
    const response = await fetch(`${baseUrl}/v2/changefeed?offset=${offset}&limit=100&includemetadata=false`);
    assert.equal(response.status, 200);
    const page = (await response.json()) as { Action: string; SopInstanceUid: string }[];
    if (page.length === 0) return counts;
    for (const entry of page) {
      if (entry.Action === 'create') counts.set(entry.SopInstanceUid, (counts.get(entry.SopInstanceUid) ?? 0) + 1);
    }
    offset += page.length;
  }
}

describe('bulk import after a SIGKILL of the server', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let azurite: Azurite;
  let server: StartedServer | undefined;
  before(async () => {
    azurite = await startAzurite({ inMemory: true, ports: 'free' });
  });
  after(async () => {
    if (server) await stopServer(server);
    await azurite.stop();
  });

  it('imports every file exactly once after a restart', async (t) => {
    // A short store lease: the instance a killed import was storing is free again sooner.
    const env = {
      PORT: '0',
      DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
      DICOM_STORE_LEASE_SECONDS: '10',
    };
    const { imports, errors } = importContainers(azurite.connectionString);
    const files = new Map<string, Buffer>();
    const sops = new Map<string, string>();
    const studies = Array.from({ length: STUDIES }, () => newUid());
    for (const study of studies) {
      for (let i = 0; i < PER_STUDY; i += 1) {
        const sop = newUid();
        sops.set(sop, study);
        files.set(`${study}/${sop}.dcm`, makeDicom({ studyInstanceUid: study, sopInstanceUid: sop }));
      }
    }
    const large = { study: newUid(), sop: newUid() };
    const largeFile = makeDicom({
      studyInstanceUid: large.study,
      sopInstanceUid: large.sop,
      pixelDataBytes: LARGE_BYTES,
    });
    sops.set(large.sop, large.study);
    files.set('large.dcm', largeFile);
    await dropFiles(imports, files);

    server = await startServer(START, env);
    // Kill once the first run is well under way: some files imported, others claimed.
    let left = files.size;
    for (let attempt = 0; attempt < 1200 && left > files.size - 30; attempt += 1) {
      await sleep(50);
      left = (await blobNames(imports)).length;
    }
    assert.ok(left <= files.size - 30, 'the import did not start');
    killServer(server, 'server');
    await new Promise((resolve) => server?.group.once('exit', resolve));
    t.diagnostic(`killed the server with ${left} of ${files.size} files left`);
    server = await startServer(START, env);
    const { baseUrl } = server;

    // Claims of the killed run run out (20 s), then the timer (every 10 s) takes the rest.
    for (let attempt = 0; attempt < 600 && left > 0; attempt += 1) {
      await sleep(250);
      left = (await blobNames(imports)).length;
    }
    assert.equal(left, 0, 'files are left in the import container');
    assert.deepEqual(await blobNames(errors), []);
    assert.deepEqual(await errorMessages(azurite.connectionString), []);

    const creates = await feedCreates(baseUrl);
    assert.deepEqual(
      [...sops.keys()].filter((sop) => creates.get(sop) !== 1),
      [],
      'instances not created exactly once',
    );
    assert.equal(creates.size, sops.size);
    for (const study of studies) {
      const response = await fetch(`${baseUrl}/v2/studies/${study}/instances?limit=200`);
      assert.equal(((await response.json()) as DicomJsonDataset[]).length, PER_STUDY);
    }
    const [instance] = (await (
      await fetch(`${baseUrl}/v2/studies/${large.study}/instances`)
    ).json()) as DicomJsonDataset[];
    const series = firstValue(instance, Tag.SeriesInstanceUID) as string;
    const retrieved = await fetch(`${baseUrl}/v2/studies/${large.study}/series/${series}/instances/${large.sop}`, {
      headers: { accept: 'application/dicom; transfer-syntax=*' },
    });
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    assert.equal(sha(Buffer.from(await retrieved.arrayBuffer())), sha(largeFile));
  });
});
