/**
 * The upgrade path (docs/partitions.md): data stored with partitions off, in the unpartitioned
 * layout that releases before data partitions wrote (Microsoft.Default's storage is that layout
 * unchanged), on a data folder of `npm start`, is read, searched, listed in the change feed and
 * deleted through `/partitions/Microsoft.Default/` once partitions are enabled, with no migration;
 * and once a named partition exists the server refuses to start with partitions disabled, as Azure
 * does. The data is stored by the test rather than committed as Azurite's own files, whose format
 * belongs to the Azurite version.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { stopPersistentAzurite } from '../../host/persistentAzurite';
import { makeDicom } from '../support/dicomFactory';
import { readReply } from '../support/httpReply';
import { isolatedEnv, startServer, stopServer, type StartedServer } from '../support/startCrash';
import { firstValue, stowFiles } from '../support/stowClient';

// dist/test/partitions/ -> dist/host/start.js
const START = path.resolve(__dirname, '..', '..', 'host', 'start.js');
const STUDY = '1.2.826.0.1.3680043.8.498.1';
const SERIES = '1.2.826.0.1.3680043.8.498.2';
const WITH_PIXELS = '1.2.826.0.1.3680043.8.498.3';
const SOPS = [WITH_PIXELS, '1.2.826.0.1.3680043.8.498.4'];

const bySop = (entries: readonly FeedEntry[]): FeedEntry[] =>
  [...entries].sort((a, b) => a.SopInstanceUid.localeCompare(b.SopInstanceUid));

interface FeedEntry {
  SopInstanceUid: string;
  PartitionName?: string;
  Action: string;
  State: string;
  Metadata?: DicomJsonDataset;
}

describe('upgrade to data partitions', { skip: process.platform !== 'linux' && 'needs /proc' }, () => {
  let location: string;
  let server: StartedServer | undefined;
  const stop = async () => {
    if (server) await stopServer(server);
    server = undefined;
  };
  const start = async (partitions: boolean) => {
    // A test that failed before its stop() leaves its server running: stopped here, or the file never ends.
    await stop();
    server = await startServer(START, {
      ...isolatedEnv(location),
      AUTH_ENABLED: 'false',
      DICOM_DATA_PARTITIONS_ENABLED: String(partitions),
    });
    return server.baseUrl;
  };
  before(async () => {
    location = await mkdtemp(path.join(tmpdir(), 'partition-upgrade-'));
    // The "old release": one study of two instances (one with pixel data) stored with partitions off.
    const base = await start(false);
    const files = SOPS.map((sop) =>
      makeDicom({
        studyInstanceUid: STUDY,
        seriesInstanceUid: SERIES,
        sopInstanceUid: sop,
        patientId: 'pre-partitions',
        pixelDataBytes: sop === WITH_PIXELS ? 2048 : 0,
      }),
    );
    const stored = await stowFiles(`${base}/v2/studies`, files);
    assert.equal(stored.status, 200, stored.text);
    await stop();
  });
  after(async () => {
    await stop();
    await stopPersistentAzurite(location);
    await rm(location, { recursive: true, force: true });
  });

  test('partitions off: the old data as before, and the partition routes refused', async () => {
    const base = await start(false);
    const metadata = await readReply<DicomJsonDataset[]>(await fetch(`${base}/v2/studies/${STUDY}/metadata`));
    assert.equal(metadata.status, 200);
    assert.equal(metadata.json?.length, 2);
    for (const path of ['/v2/partitions', `/v2/partitions/Microsoft.Default/studies/${STUDY}/metadata`]) {
      const response = await fetch(`${base}${path}`);
      assert.deepEqual(
        { status: response.status, text: await response.text() },
        {
          status: 400,
          text: 'Data partitions feature is disabled.',
        },
      );
    }
    const feed = await readReply<FeedEntry[]>(await fetch(`${base}/v2/changefeed?startTime=2000-01-01T00:00:00Z`));
    // One request's instances are committed together in the order they became ready, not the parts'.
    assert.deepEqual(
      bySop(feed.json ?? []).map((e) => [e.SopInstanceUid, e.PartitionName]),
      [...SOPS].sort().map((sop) => [sop, undefined]),
    );
    await stop();
  });

  test('partitions on: the old data under Microsoft.Default: retrieve, search, feed, delete', async () => {
    const base = await start(true);
    const plain = await fetch(`${base}/v2/studies/${STUDY}/metadata`);
    assert.equal(plain.status, 400);
    const root = `${base}/v2/partitions/Microsoft.Default`;
    const listed = await readReply<{ partitionKey: number; partitionName: string }[]>(
      await fetch(`${base}/v1/partitions`),
    );
    assert.deepEqual(
      listed.json?.map((p) => [p.partitionKey, p.partitionName]),
      [[1, 'Microsoft.Default']],
    );

    const metadata = await readReply<DicomJsonDataset[]>(await fetch(`${root}/studies/${STUDY}/metadata`));
    assert.deepEqual(
      metadata.json?.map((m) => firstValue(m, Tag.PatientID)),
      ['pre-partitions', 'pre-partitions'],
    );
    const instance = await fetch(`${root}/studies/${STUDY}/series/${SERIES}/instances/${WITH_PIXELS}`, {
      headers: { Accept: 'application/dicom; transfer-syntax=*' },
    });
    assert.equal(instance.status, 200);
    assert.ok(Buffer.from(await instance.arrayBuffer()).includes(Buffer.from('pre-partitions')));
    const frame = await fetch(`${root}/studies/${STUDY}/series/${SERIES}/instances/${WITH_PIXELS}/frames/1`, {
      headers: { Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' },
    });
    assert.equal(frame.status, 200);
    const found = await readReply<DicomJsonDataset[]>(await fetch(`${root}/instances?PatientID=pre-partitions`));
    assert.deepEqual(found.json?.map((m) => firstValue(m, Tag.SOPInstanceUID)).sort(), [...SOPS].sort());
    const studies = await readReply<DicomJsonDataset[]>(await fetch(`${root}/studies?StudyInstanceUID=${STUDY}`));
    assert.equal(studies.json?.length, 1);
    const feed = await readReply<FeedEntry[]>(
      await fetch(`${base}/v2/changefeed?startTime=2000-01-01T00:00:00Z&includeMetadata=true`),
    );
    assert.deepEqual(
      bySop(feed.json ?? []).map((e) => [
        e.SopInstanceUid,
        e.PartitionName,
        e.State,
        firstValue(e.Metadata, Tag.PatientID),
      ]),
      [...SOPS].sort().map((sop) => [sop, 'Microsoft.Default', 'current', 'pre-partitions']),
    );

    // A named partition next to it: the same study UID is another study there.
    const named = await stowFiles(`${base}/v2/partitions/Named/studies`, [
      makeDicom({
        studyInstanceUid: STUDY,
        seriesInstanceUid: SERIES,
        sopInstanceUid: WITH_PIXELS,
        patientId: 'named',
      }),
    ]);
    assert.equal(named.status, 200, named.text);

    const deleted = await fetch(`${root}/studies/${STUDY}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    assert.equal((await fetch(`${root}/studies/${STUDY}/metadata`)).status, 404);
    const kept = await readReply<DicomJsonDataset[]>(
      await fetch(`${base}/v2/partitions/Named/studies/${STUDY}/metadata`),
    );
    assert.deepEqual(
      kept.json?.map((m) => firstValue(m, Tag.PatientID)),
      ['named'],
    );
    await stop();
  });

  test('partitions off again once a named partition exists: the server refuses to start', async () => {
    await assert.rejects(
      start(false),
      /Data partitions feature cannot be disabled while having data partitions other than the default partition\./,
    );
  });
});
