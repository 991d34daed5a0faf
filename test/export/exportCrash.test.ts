/**
 * An export of 1,000 instances survives two SIGKILLs of `npm start`'s server mid-way: after each
 * restart the operation resumes from its checkpoint, and at the end every file in the destination
 * is byte for byte what was stored, `exported` counts each instance once, and nothing else is
 * there (docs/export.md, "Crash and resume"). Azurite runs in this process and outlives the kills.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, type Azurite } from '../../host/azurite';
import { makeDicom, newUid } from '../support/dicomFactory';
import { killServer, startServer, stopServer, type StartedServer } from '../support/startCrash';
import { stowFiles } from '../support/stowClient';

// dist/test/export/ -> dist/host/start.js
const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');
const STUDIES = 10;
const PER_STUDY = 100;
const DESTINATION = 'crashexport';

interface OperationBody {
  status: string;
  results?: { exported: number; skipped: number };
}

async function operation(baseUrl: string, id: string): Promise<{ status: number; body: OperationBody }> {
  const response = await fetch(`${baseUrl}/v2/operations/${id}`);
  return { status: response.status, body: (await response.json()) as OperationBody };
}

async function countResults(destination: ContainerClient, id: string): Promise<number> {
  let count = 0;
  for await (const page of destination.listBlobsFlat({ prefix: `${id}/results/` }).byPage({ maxPageSize: 5000 })) {
    count += page.segment.blobItems.length;
  }
  return count;
}

/** Waits until the destination holds at least `count` results (or the operation ended). */
async function untilCopied(destination: ContainerClient, id: string, count: number): Promise<number> {
  for (let attempt = 0; attempt < 1200; attempt += 1) {
    const copied = await countResults(destination, id);
    if (copied >= count) return copied;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fewer than ${count} files were copied`);
}

describe('export after SIGKILLs of the server', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let azurite: Azurite;
  let server: StartedServer | undefined;
  before(async () => {
    azurite = await startAzurite({ inMemory: true, ports: 'free' });
  });
  after(async () => {
    if (server) await stopServer(server);
    await azurite.stop();
  });

  it('resumes from its checkpoint and exports each of 1,000 instances once, byte for byte', async (t) => {
    // The shortest stale bound: a killed step's message stays invisible, so the timer resumes it.
    const env = {
      PORT: '0',
      DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
      DICOM_OPERATION_STALE_SECONDS: '5',
    };
    server = await startServer(START, env);
    const destination = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      DESTINATION,
    );
    await destination.createIfNotExists();
    const stored = new Map<string, Buffer>();
    const studies: string[] = [];
    for (let study = 0; study < STUDIES; study += 1) {
      const studyUid = newUid();
      const series = [newUid(), newUid()];
      const files = Array.from({ length: PER_STUDY }, (_, index) => {
        const seriesUid = series[index % 2] as string;
        const sop = newUid();
        const file = makeDicom({ studyInstanceUid: studyUid, seriesInstanceUid: seriesUid, sopInstanceUid: sop });
        stored.set(`${studyUid}/${seriesUid}/${sop}.dcm`, file);
        return file;
      });
      const reply = await stowFiles(`${server.baseUrl}/v2/studies`, files);
      assert.equal(reply.status, 200);
      studies.push(studyUid);
    }
    const accepted = await fetch(`${server.baseUrl}/v2/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: { type: 'identifiers', settings: { values: studies } },
        destination: {
          type: 'azureBlob',
          settings: { connectionString: azurite.connectionString, blobContainerName: DESTINATION },
        },
      }),
    });
    assert.equal(accepted.status, 202);
    const { id } = (await accepted.json()) as { id: string };

    for (const atLeast of [200, 550]) {
      const copied = await untilCopied(destination, id, atLeast);
      killServer(server, 'server');
      await new Promise((resolve) => server?.group.once('exit', resolve));
      t.diagnostic(`killed the server with ${copied} files copied`);
      // Past the stale bound, so the restarted server's start-up hook resumes the operation at once.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      server = await startServer(START, env);
    }

    let ended: OperationBody | undefined;
    for (let attempt = 0; attempt < 1200 && !ended; attempt += 1) {
      const { status, body } = await operation(server.baseUrl, id);
      if (status === 200) ended = body;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(ended, 'the export did not end after the restarts');
    assert.equal(ended.status, 'succeeded');
    assert.deepEqual(
      { exported: ended.results?.exported, skipped: ended.results?.skipped },
      {
        exported: STUDIES * PER_STUDY,
        skipped: 0,
      },
    );

    const names: string[] = [];
    for await (const blob of destination.listBlobsFlat({ prefix: `${id}/results/` })) names.push(blob.name);
    assert.deepEqual(names.sort(), [...stored.keys()].map((name) => `${id}/results/${name}`).sort());
    for (const [name, file] of stored) {
      const copy = await destination.getBlobClient(`${id}/results/${name}`).downloadToBuffer();
      assert.ok(copy.equals(file), `${name} differs from what was stored`);
    }
    const log = await destination.getBlobClient(`${id}/errors.log`).downloadToBuffer();
    assert.equal(log.length, 0, log.toString('utf8'));
  });
});
