/**
 * A bulk update of 120 instances survives two SIGKILLs of `npm start`'s server mid-way: after each
 * restart the operation resumes from its checkpoint, and at the end every instance carries the new
 * values, has exactly one `update` change-feed entry, its original still retrievable, and the
 * results count each instance once (docs/bulk-update.md, "Crash and resume"). Azurite runs in
 * this process and outlives the kills.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAzurite, type Azurite } from '../../host/azurite';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import type { FeedEntry } from '../changefeed/feedClient';
import { killServer, startServer, stopServer, type StartedServer } from '../support/startCrash';
import { stowFiles } from '../support/stowClient';
import { studyFiles, type StoredInstance, type UpdateOperationBody } from './bulkUpdateClient';

// dist/test/update/ -> dist/host/start.js
const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');
const STUDIES = 3;
const PER_STUDY = 40;
const TOTAL = STUDIES * PER_STUDY;

async function latestSequence(baseUrl: string): Promise<number> {
  const response = await fetch(`${baseUrl}/v2/changefeed/latest`);
  return ((await response.json()) as { Sequence?: number }).Sequence ?? 0;
}

/** Waits until at least `count` changes past the stores are in the feed. */
async function untilUpdated(baseUrl: string, count: number): Promise<number> {
  for (let attempt = 0; attempt < 1200; attempt += 1) {
    const updated = (await latestSequence(baseUrl)) - TOTAL;
    if (updated >= count) return updated;
    await sleep(25);
  }
  throw new Error(`fewer than ${count} instances were updated`);
}

async function allEntries(baseUrl: string): Promise<FeedEntry[]> {
  const entries: FeedEntry[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = (await (await fetch(`${baseUrl}/v2/changefeed?offset=${offset}&limit=200`)).json()) as FeedEntry[];
    entries.push(...page);
    if (page.length < 200) return entries;
  }
}

async function waitForLine(server: StartedServer, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (server.output.some((line) => pattern.test(line))) return;
    await sleep(100);
  }
  throw new Error(`no line ${pattern} in:\n${server.output.join('\n')}`);
}

async function kill(server: StartedServer): Promise<void> {
  const gone = new Promise((resolve) => server.group.once('exit', resolve));
  killServer(server, 'server');
  await gone;
}

async function endedOperation(baseUrl: string, id: string): Promise<UpdateOperationBody> {
  for (let attempt = 0; attempt < 1200; attempt += 1) {
    const response = await fetch(`${baseUrl}/v2/operations/${id}`);
    if (response.status === 200) return (await response.json()) as UpdateOperationBody;
    await sleep(100);
  }
  throw new Error('the update did not end after the restarts');
}

async function startUpdate(baseUrl: string, study: string, patientId: string): Promise<string> {
  const accepted = await fetch(`${baseUrl}/v2/studies/$bulkUpdate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      studyInstanceUids: [study],
      changeDataset: { '00100020': { vr: 'LO', Value: [patientId] } },
    }),
  });
  assert.equal(accepted.status, 202);
  return ((await accepted.json()) as { id: string }).id;
}

describe('bulk update after SIGKILLs of the server', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let azurite: Azurite;
  let server: StartedServer | undefined;
  before(async () => {
    azurite = await startAzurite({ inMemory: true, ports: 'free' });
  });
  after(async () => {
    if (server) await stopServer(server);
    await azurite.stop();
  });

  it('resumes from its checkpoint and updates each of 120 instances exactly once', async (t) => {
    const env = {
      PORT: '0',
      DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
      // The shortest stale bound and lease: a killed step is resumed, and its claims settled, within seconds.
      DICOM_OPERATION_STALE_SECONDS: '5',
      DICOM_STORE_LEASE_SECONDS: '10',
    };
    server = await startServer(START, env);
    const instances = studyFiles(STUDIES, PER_STUDY, 'CRASH-OLD', 'ACC-OLD');
    for (let study = 0; study < STUDIES; study += 1) {
      const files = instances.slice(study * PER_STUDY, (study + 1) * PER_STUDY).map((i) => i.file);
      assert.equal((await stowFiles(`${server.baseUrl}/v2/studies`, files)).status, 200);
    }
    assert.equal(await latestSequence(server.baseUrl), TOTAL);
    const studies = [...new Set(instances.map((i) => i.study))];
    const accepted = await fetch(`${server.baseUrl}/v2/studies/$bulkUpdate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        studyInstanceUids: studies,
        changeDataset: {
          '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Crash^Survivor' }] },
          '00100020': { vr: 'LO', Value: ['CRASH-NEW'] },
        },
      }),
    });
    assert.equal(accepted.status, 202);
    const { id } = (await accepted.json()) as { id: string };

    for (const atLeast of [20, 70]) {
      const updated = await untilUpdated(server.baseUrl, atLeast);
      killServer(server, 'server');
      await new Promise((resolve) => server?.group.once('exit', resolve));
      t.diagnostic(`killed the server with ${updated} instances updated`);
      // Past the stale bound, so the restarted server's start-up hook resumes the operation at once.
      await sleep(5_500);
      server = await startServer(START, env);
    }

    let ended: UpdateOperationBody | undefined;
    for (let attempt = 0; attempt < 1200 && !ended; attempt += 1) {
      const response = await fetch(`${server.baseUrl}/v2/operations/${id}`);
      if (response.status === 200) ended = (await response.json()) as UpdateOperationBody;
      else await sleep(100);
    }
    assert.ok(ended, 'the update did not end after the restarts');
    assert.equal(ended.status, 'succeeded', JSON.stringify(ended));
    assert.deepEqual(ended.results, {
      studyProcessed: STUDIES,
      studyUpdated: STUDIES,
      studyFailed: 0,
      instanceUpdated: TOTAL,
    });

    // Exactly one `update` entry per instance: no step that ran again updated an instance twice.
    const updates = (await allEntries(server.baseUrl)).filter((e) => e.Action === 'update');
    const perInstance = new Map<string, number>();
    for (const entry of updates)
      perInstance.set(entry.SopInstanceUid, (perInstance.get(entry.SopInstanceUid) ?? 0) + 1);
    assert.equal(perInstance.size, TOTAL);
    assert.deepEqual(new Set(perInstance.values()), new Set([1]));

    for (const study of studies) {
      const url = `${server.baseUrl}/v2/studies/${study}/metadata`;
      const latest = (await (await fetch(url)).json()) as DicomJsonDataset[];
      assert.equal(latest.length, PER_STUDY);
      for (const doc of latest) assert.deepEqual(doc[Tag.PatientID]?.Value, ['CRASH-NEW']);
      const original = (await (
        await fetch(url, { headers: { 'msdicom-request-original': 'true' } })
      ).json()) as DicomJsonDataset[];
      assert.equal(original.length, PER_STUDY);
      for (const doc of original) assert.deepEqual(doc[Tag.PatientID]?.Value, ['CRASH-OLD']);
    }
  });
  it('rolls forward an instance killed after its commit and redoes one killed before, once each', async () => {
    const env = {
      PORT: '0',
      DICOM_STORAGE_CONNECTION_STRING: azurite.connectionString,
      DICOM_OPERATION_STALE_SECONDS: '5',
      DICOM_STORE_LEASE_SECONDS: '10',
    };
    for (const point of ['upsert-after-commit', 'upsert-before-commit']) {
      if (server) await stopServer(server);
      server = await startServer(START, { ...env, DICOM_LOCAL_PAUSE_AT: point });
      const instances = studyFiles(1, 3, 'PAUSE-OLD', 'ACC-OLD');
      const study = (instances[0] as StoredInstance).study;
      assert.equal(
        (
          await stowFiles(
            `${server.baseUrl}/v2/studies`,
            instances.map((i) => i.file),
          )
        ).status,
        200,
      );
      const id = await startUpdate(server.baseUrl, study, `PAUSE-${point}`);
      // Every instance of the step stops at the point (the step runs them concurrently).
      await waitForLine(server, new RegExp(`\\[local-pause\\] ${point}`));
      await sleep(500);
      await kill(server);
      await sleep(5_500);
      server = await startServer(START, env);
      const ended = await endedOperation(server.baseUrl, id);
      assert.equal(ended.status, 'succeeded', JSON.stringify(ended));
      assert.equal(ended.results?.instanceUpdated, 3);
      const entries = (await allEntries(server.baseUrl)).filter((e) => e.StudyInstanceUid === study);
      for (const instance of instances) {
        const mine = entries.filter((e) => e.SopInstanceUid === instance.sop).map((e) => `${e.Action}:${e.State}`);
        assert.deepEqual(mine, ['create:replaced', 'update:current'], `${point}: ${instance.sop}`);
      }
      const url = `${server.baseUrl}/v2/studies/${study}/metadata`;
      const latest = (await (await fetch(url)).json()) as DicomJsonDataset[];
      assert.deepEqual(
        latest.map((d) => d[Tag.PatientID]?.Value?.[0]),
        instances.map(() => `PAUSE-${point}`),
      );
      const original = (await (
        await fetch(url, { headers: { 'msdicom-request-original': 'true' } })
      ).json()) as DicomJsonDataset[];
      assert.deepEqual(
        original.map((d) => d[Tag.PatientID]?.Value?.[0]),
        instances.map(() => 'PAUSE-OLD'),
        `${point}: the originals are kept`,
      );
    }
  });
});
