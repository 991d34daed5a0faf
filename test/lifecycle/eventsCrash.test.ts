/**
 * Events survive a SIGKILL between commit and publish (docs/lifecycle.md): `npm start`'s server is
 * held after it committed stores and before its publisher sent them
 * (DICOM_LOCAL_PAUSE_AT=events-before-publish), with a PUT held before its commit too
 * (upsert-before-commit), then killed. The restarted server publishes every committed change, once
 * or more, and nothing for the PUT killed before its commit or for a store that failed validation.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopPersistentAzurite } from '../../host/persistentAzurite';
import type { FeedEntry } from '../changefeed/feedClient';
import { makeDicom, newUid } from '../support/dicomFactory';
import { readReply } from '../support/httpReply';
import { isolatedEnv, killServer, startServer, stopServer, type StartedServer } from '../support/startCrash';
import { stowFiles } from '../support/stowClient';
import { queueAt, receiveUntil } from './eventQueue';
import { put } from './upsertClient';

const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');

async function waitForLine(server: StartedServer, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (server.output.some((line) => pattern.test(line))) return;
    await sleep(100);
  }
  throw new Error(`no line ${pattern} in:\n${server.output.join('\n')}`);
}

function queueServiceUrl(server: StartedServer): string {
  const ports = server.output.map((line) => /on ports (\d+), (\d+), (\d+)/.exec(line)).find(Boolean);
  if (!ports) throw new Error(`no Azurite ports in:\n${server.output.join('\n')}`);
  return `http://127.0.0.1:${ports[2]}/devstoreaccount1`;
}

describe('DICOM events after a SIGKILL', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let location: string;
  before(async () => {
    location = await mkdtemp(path.join(tmpdir(), 'events-crash-'));
  });
  after(async () => {
    await stopPersistentAzurite(path.join(location, 'azurite'));
    await rm(location, { recursive: true, force: true });
  });

  it('publishes every committed change after the restart, and nothing that did not commit', async () => {
    const env = { ...isolatedEnv(path.join(location, 'azurite')), DICOM_STORE_LEASE_SECONDS: '10' };
    const held = await startServer(START, {
      ...env,
      DICOM_LOCAL_PAUSE_AT: 'events-before-publish,upsert-before-commit',
    });
    let restarted: StartedServer | undefined;
    try {
      const study = newUid();
      const series = newUid();
      const sops = Array.from({ length: 5 }, () => newUid());
      for (const sop of sops) {
        const file = makeDicom({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop });
        assert.equal((await stowFiles(`${held.baseUrl}/v2/studies`, [file])).status, 200);
      }
      const failedSop = newUid();
      const invalid = makeDicom({ sopInstanceUid: failedSop, elements: [{ tag: '00080016', vr: 'UI', value: '' }] });
      assert.equal((await stowFiles(`${held.baseUrl}/v2/studies`, [invalid])).status, 409);
      const replacedSop = sops[0] as string;
      void put(`${held.baseUrl}/v2/studies`, [
        makeDicom({
          studyInstanceUid: study,
          seriesInstanceUid: series,
          sopInstanceUid: replacedSop,
          patientName: 'Never^Committed',
        }),
      ]).catch(() => undefined);
      await waitForLine(held, /\[local-pause\] upsert-before-commit/);
      await waitForLine(held, /\[local-pause\] events-before-publish/);
      const gone = new Promise((resolve) => held.group.once('exit', resolve));
      killServer(held, 'server');
      await gone;

      restarted = await startServer(START, env);
      const entries =
        (await readReply<FeedEntry[]>(await fetch(`${restarted.baseUrl}/v2/changefeed?limit=200`))).json ?? [];
      assert.deepEqual(
        entries.map((e) => e.Action),
        ['create', 'create', 'create', 'create', 'create'],
        'the PUT killed before its commit left no entry',
      );
      const last = Math.max(...entries.map((e) => e.Sequence));
      // The held publisher's lease (15 s) runs out first; then the restarted one sends everything.
      const events = await receiveUntil(
        queueAt(queueServiceUrl(restarted), 'dicom-events'),
        (received) => received.some((e) => e.data.sequenceNumber === last),
        90_000,
      );
      const sequences = new Set(events.map((e) => e.data.sequenceNumber));
      assert.deepEqual(
        [...sequences].sort((a, b) => a - b),
        entries.map((e) => e.Sequence),
      );
      assert.deepEqual(
        new Set(events.map((e) => e.eventType)),
        new Set(['Microsoft.HealthcareApis.DicomImageCreated']),
      );
      assert.deepEqual(new Set(events.map((e) => e.data.imageSopInstanceUid)), new Set(sops));
      assert.ok(!events.some((e) => e.data.imageSopInstanceUid === failedSop));
    } finally {
      for (const server of [held, restarted]) {
        if (server && server.group.exitCode === null && server.group.signalCode === null) await stopServer(server);
      }
    }
  });
});
