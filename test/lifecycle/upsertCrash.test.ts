/**
 * A PUT that replaces an instance survives a SIGKILL of `npm start`'s server at either side of its
 * commit (docs/lifecycle.md): killed after the change-feed `update` and before the swap, the
 * restarted server shows the new version whole (start-up recovery rolls it forward); killed before
 * the commit, it shows the old one whole, and a retried PUT succeeds once the dead attempt's lease
 * has run out. Never neither, never both: retrieve, metadata, search and the feed agree on one.
 * DICOM_LOCAL_PAUSE_AT holds the PUT at the point, so the kill lands exactly there.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { stopPersistentAzurite } from '../../host/persistentAzurite';
import type { FeedEntry } from '../changefeed/feedClient';
import { makeDicom, newUid } from '../support/dicomFactory';
import { readReply } from '../support/httpReply';
import { isolatedEnv, killServer, startServer, stopServer, type StartedServer } from '../support/startCrash';
import { firstValue, sequence } from '../support/stowClient';
import { asStored, put, retrieveBytes } from './upsertClient';

const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');
const LEASE_SECONDS = 10;

interface Uids {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
}

function version(uids: Uids, name: string, fill: number): Buffer {
  const file = makeDicom({
    studyInstanceUid: uids.study,
    seriesInstanceUid: uids.series,
    sopInstanceUid: uids.sop,
    patientName: name,
    pixelDataBytes: 2048,
  });
  file.fill(fill, file.length - 1024);
  return file;
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

/** What retrieve, metadata, search and the change feed say of the instance; they must name one version. */
async function visibleVersion(baseUrl: string, uids: Uids, versions: readonly Buffer[], names: readonly string[]) {
  const url = `${baseUrl}/v2/studies/${uids.study}/series/${uids.series}/instances/${uids.sop}`;
  const bytes = await retrieveBytes(url);
  const byBytes = versions.findIndex((v) => Buffer.isBuffer(bytes) && asStored(v).equals(bytes));
  const metadata = await readReply<DicomJsonDataset[]>(
    await fetch(`${url}/metadata`, { headers: { Accept: 'application/dicom+json' } }),
  );
  const name = (firstValue(metadata.json?.[0], Tag.PatientName) as { Alphabetic?: string } | undefined)?.Alphabetic;
  const search = await readReply<DicomJsonDataset[]>(
    await fetch(`${baseUrl}/v2/instances?SOPInstanceUID=${uids.sop}&includefield=PatientName`),
  );
  const searched = (firstValue(search.json?.[0], Tag.PatientName) as { Alphabetic?: string } | undefined)?.Alphabetic;
  const feed = await readReply<FeedEntry[]>(await fetch(`${baseUrl}/v2/changefeed?limit=200`));
  const entries = (feed.json ?? []).filter((e) => e.SopInstanceUid === uids.sop);
  return {
    byBytes,
    byMetadata: names.indexOf(name ?? ''),
    bySearch: names.indexOf(searched ?? ''),
    searchCount: search.json?.length ?? 0,
    feed: entries.map((e) => `${e.Action}:${e.State}`),
  };
}

async function putUntilAccepted(baseUrl: string, file: Buffer): Promise<{ status: number; busy: number }> {
  let busy = 0;
  for (;;) {
    const reply = await put(`${baseUrl}/v2/studies`, [file]);
    const reason = firstValue(sequence(reply.json, Tag.FailedSOPSequence)[0], Tag.FailureReason);
    if (reply.status !== 409 || reason !== 45071 || busy > 40) return { status: reply.status, busy };
    busy += 1;
    await sleep(500);
  }
}

describe('PUT upsert after a SIGKILL', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let location: string;
  before(async () => {
    location = await mkdtemp(path.join(tmpdir(), 'upsert-crash-'));
  });
  after(async () => {
    await stopPersistentAzurite(path.join(location, 'azurite'));
    await rm(location, { recursive: true, force: true });
  });

  it('shows the old or the new version whole, and a retried PUT succeeds', async () => {
    const env = { ...isolatedEnv(path.join(location, 'azurite')), DICOM_STORE_LEASE_SECONDS: String(LEASE_SECONDS) };
    const uids = { study: newUid(), series: newUid(), sop: newUid() };
    const names = ['One^V', 'Two^V', 'Three^V', 'Four^V'];
    const versions = names.map((name, i) => version(uids, name, i + 1));

    // 1. Killed after the commit, before the swap: the new version, rolled forward at start-up.
    const first = await startServer(START, { ...env, DICOM_LOCAL_PAUSE_AT: 'upsert-after-commit' });
    let second: StartedServer | undefined;
    let third: StartedServer | undefined;
    try {
      assert.equal((await put(`${first.baseUrl}/v2/studies`, [versions[0] as Buffer])).status, 200);
      void put(`${first.baseUrl}/v2/studies`, [versions[1] as Buffer]).catch(() => undefined);
      await waitForLine(first, /\[local-pause\] upsert-after-commit/);
      const during = await visibleVersion(first.baseUrl, uids, versions, names);
      assert.deepEqual(
        [during.byBytes, during.byMetadata, during.bySearch],
        [0, 0, 0],
        'the old version until the swap',
      );
      await kill(first);

      // 2. Killed before the commit: the old version stays.
      second = await startServer(START, { ...env, DICOM_LOCAL_PAUSE_AT: 'upsert-before-commit' });
      const rolledForward = await visibleVersion(second.baseUrl, uids, versions, names);
      assert.deepEqual(
        rolledForward,
        { byBytes: 1, byMetadata: 1, bySearch: 1, searchCount: 1, feed: ['create:replaced', 'update:current'] },
        'the committed replacement is visible whole after the restart',
      );
      void put(`${second.baseUrl}/v2/studies`, [versions[2] as Buffer]).catch(() => undefined);
      await waitForLine(second, /\[local-pause\] upsert-before-commit/);
      await kill(second);

      third = await startServer(START, env);
      const rolledBack = await visibleVersion(third.baseUrl, uids, versions, names);
      assert.deepEqual(
        rolledBack,
        { byBytes: 1, byMetadata: 1, bySearch: 1, searchCount: 1, feed: ['create:replaced', 'update:current'] },
        'the uncommitted replacement never shows',
      );
      // The dead attempt holds its lease for up to 10 s: 45071 until then, then the retry replaces.
      const retried = await putUntilAccepted(third.baseUrl, versions[3] as Buffer);
      assert.equal(retried.status, 200);
      const replaced = await visibleVersion(third.baseUrl, uids, versions, names);
      assert.deepEqual(replaced, {
        byBytes: 3,
        byMetadata: 3,
        bySearch: 3,
        searchCount: 1,
        feed: ['create:replaced', 'update:replaced', 'update:current'],
      });
    } finally {
      for (const server of [first, second, third]) {
        if (server && server.group.exitCode === null && server.group.signalCode === null) await stopServer(server);
      }
    }
  });
});
