// Data partitions on: the routes' enforcement (Azure's status codes and messages), GET partitions,
// and isolation: the same UIDs stored concurrently into two partitions with different content are
// two instances, each seen only through its own partition (retrieve, metadata, frames, search,
// change feed with metadata, delete).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backgroundDeletesSettled } from '../../shared/delete/backgroundDeletes';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom, newUid } from '../support/dicomFactory';
import { readReply } from '../support/httpReply';
import { useTestServer } from '../support/serverFixture';
import { firstValue, sequence, stowFiles } from '../support/stowClient';
import { workitemDataset } from '../workitems/workitemClient';

interface Partitioned {
  partitionKey: number;
  partitionName: string;
  createdDate: string;
}

interface FeedEntry {
  Sequence: number;
  PartitionName?: string;
  SopInstanceUid: string;
  Action: string;
  State: string;
  Metadata?: DicomJsonDataset;
}

describe('data partitions', () => {
  const ctx = useTestServer({ env: { DICOM_DATA_PARTITIONS_ENABLED: 'true' } });
  const text = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${ctx.baseUrl}${path}`, init);
    return { status: response.status, text: await response.text() };
  };

  test('a route without the partition segment answers 400', async () => {
    assert.deepEqual(await text('/v2/studies'), {
      status: 400,
      text: 'PartitionName value is missing in the route segment.',
    });
    const stored = await stowFiles(`${ctx.baseUrl}/v2/studies`, [makeDicom()]);
    assert.equal(stored.status, 400);
  });

  test('an unknown partition answers 400 on reads, writes other than STOW and workitem creation, and deletes', async () => {
    const study = newUid();
    for (const [method, path] of [
      ['GET', `/v2/partitions/Nowhere/studies`],
      ['GET', `/v2/partitions/Nowhere/studies/${study}`],
      ['GET', `/v2/partitions/Nowhere/studies/${study}/metadata`],
      ['DELETE', `/v2/partitions/Nowhere/studies/${study}`],
      ['GET', `/v2/partitions/Nowhere/workitems`],
    ] as const) {
      const reply = await text(path, { method });
      assert.deepEqual(reply, { status: 400, text: 'Specified PartitionName does not exist.' }, `${method} ${path}`);
    }
    const listed = await readReply<Partitioned[]>(await fetch(`${ctx.baseUrl}/v2/partitions`));
    assert.equal(
      listed.json?.some((p) => p.partitionName === 'Nowhere'),
      false,
    );
  });

  test('an invalid partition name answers 400', async () => {
    for (const name of ['has%20space', 'a'.repeat(65), 'semi%3Bcolon', 'x%2Fy']) {
      const reply = await text(`/v2/partitions/${name}/studies`);
      assert.equal(reply.status, 400, name);
      if (name !== 'x%2Fy') assert.equal(reply.text, 'The specified PartitionName is invalid. ', name);
    }
  });

  test('GET partitions lists Microsoft.Default as key 1 and each created partition once', async () => {
    const name = `Created.${Date.now()}`;
    // Concurrent implicit creations of one name converge on one key.
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => stowFiles(`${ctx.baseUrl}/v1/partitions/${name}/studies`, [makeDicom()])),
    );
    assert.deepEqual(
      stores.map((s) => s.status),
      [200, 200, 200, 200],
    );
    const reply = await readReply<Partitioned[]>(await fetch(`${ctx.baseUrl}/v2/partitions`));
    assert.equal(reply.status, 200);
    const partitions = reply.json ?? [];
    assert.deepEqual(partitions[0] && { ...partitions[0], createdDate: '' }, {
      partitionKey: 1,
      partitionName: 'Microsoft.Default',
      createdDate: '',
    });
    const created = partitions.filter((p) => p.partitionName === name);
    assert.equal(created.length, 1);
    assert.ok((created[0]?.partitionKey ?? 0) > 1);
    assert.ok(!Number.isNaN(Date.parse(created[0]?.createdDate ?? '')));
    assert.equal(new Set(partitions.map((p) => p.partitionKey)).size, partitions.length);
  });

  test('the same UIDs stored concurrently into two partitions stay two instances', async () => {
    const study = newUid();
    const series = newUid();
    const sops = [newUid(), newUid(), newUid()];
    const partitions = ['Alpha', 'Beta'] as const;
    const fileOf = (partition: string, sop: string) =>
      makeDicom({
        studyInstanceUid: study,
        seriesInstanceUid: series,
        sopInstanceUid: sop,
        patientId: `patient-${partition}`,
        pixelDataBytes: 2048,
      });
    // Both partitions' stores of each instance run at once, so the writes of both go through the
    // process's batchers and change-feed writer together.
    const stored = await Promise.all(
      partitions.flatMap((partition) =>
        sops.map((sop) =>
          stowFiles(`${ctx.baseUrl}/v2/partitions/${partition}/studies`, [fileOf(partition, sop)]).then((r) => ({
            partition,
            r,
          })),
        ),
      ),
    );
    for (const { partition, r } of stored) {
      assert.equal(r.status, 200, r.text);
      const url = firstValue(sequence(r.json, Tag.ReferencedSOPSequence)[0], Tag.RetrieveURL);
      assert.match(String(url), new RegExp(`/v2/partitions/${partition}/studies/${study}/series/${series}/instances/`));
    }

    for (const partition of partitions) {
      const base = `${ctx.baseUrl}/v2/partitions/${partition}/studies/${study}`;
      const metadata = await readReply<DicomJsonDataset[]>(await fetch(`${base}/metadata`));
      assert.equal(metadata.status, 200);
      assert.deepEqual(
        metadata.json?.map((m) => firstValue(m, Tag.PatientID)),
        sops.map(() => `patient-${partition}`),
      );
      const found = await readReply<DicomJsonDataset[]>(
        await fetch(
          `${ctx.baseUrl}/v2/partitions/${partition}/instances?StudyInstanceUID=${study}&includefield=PatientID`,
        ),
      );
      assert.deepEqual(
        found.json?.map((m) => firstValue(m, Tag.PatientID)),
        sops.map(() => `patient-${partition}`),
      );
      const other = partition === 'Alpha' ? 'patient-Beta' : 'patient-Alpha';
      const none = await fetch(`${ctx.baseUrl}/v2/partitions/${partition}/studies?PatientID=${other}`);
      assert.equal(none.status, 204);
      // The whole study, streamed: every instance is read from this partition's container.
      const whole = await fetch(base, {
        headers: { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' },
      });
      assert.equal(whole.status, 200);
      const body = Buffer.from(await whole.arrayBuffer());
      assert.ok(body.includes(Buffer.from(`patient-${partition}`)));
      assert.ok(!body.includes(Buffer.from(other)));
      const frame = await fetch(`${base}/series/${series}/instances/${sops[0]}/frames/1`, {
        headers: { Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' },
      });
      assert.equal(frame.status, 200);
    }
    // Not in the default partition at all.
    const plain = await text(`/v2/partitions/Microsoft.Default/studies/${study}/metadata`);
    assert.equal(plain.status, 404);

    const feed = await readReply<FeedEntry[]>(
      await fetch(`${ctx.baseUrl}/v2/changefeed?startTime=2000-01-01T00:00:00Z&limit=200&includeMetadata=true`),
    );
    const ours = (feed.json ?? []).filter((e) => sops.includes(e.SopInstanceUid));
    assert.equal(ours.length, 6);
    for (const entry of ours) {
      assert.ok(entry.PartitionName === 'Alpha' || entry.PartitionName === 'Beta');
      assert.equal(entry.State, 'current');
      assert.equal(firstValue(entry.Metadata, Tag.PatientID), `patient-${entry.PartitionName}`);
    }

    // Delete in one partition leaves the other whole.
    assert.equal((await text(`/v2/partitions/Alpha/studies/${study}`, { method: 'DELETE' })).status, 204);
    await backgroundDeletesSettled();
    assert.equal((await text(`/v2/partitions/Alpha/studies/${study}/metadata`)).status, 404);
    const beta = await readReply<DicomJsonDataset[]>(
      await fetch(`${ctx.baseUrl}/v2/partitions/Beta/studies/${study}/metadata`),
    );
    assert.equal(beta.json?.length, 3);
    const after = await readReply<FeedEntry[]>(
      await fetch(`${ctx.baseUrl}/v2/changefeed?startTime=2000-01-01T00:00:00Z&limit=200`),
    );
    const states = (after.json ?? [])
      .filter((e) => sops.includes(e.SopInstanceUid) && e.Action === 'create')
      .map((e) => `${e.PartitionName}:${e.State}`)
      .sort();
    assert.deepEqual(states, [
      'Alpha:deleted',
      'Alpha:deleted',
      'Alpha:deleted',
      'Beta:current',
      'Beta:current',
      'Beta:current',
    ]);
    // A re-store into Alpha is not a duplicate of Beta's.
    const again = await stowFiles(`${ctx.baseUrl}/v2/partitions/Alpha/studies`, [fileOf('Alpha', sops[0] as string)]);
    assert.equal(again.status, 200);
  });

  test('workitems: created implicitly, Location under the partition, invisible elsewhere', async () => {
    const uid = newUid();
    const body = JSON.stringify([workitemDataset()]);
    const created = await fetch(`${ctx.baseUrl}/v2/partitions/Gamma/workitems?${uid}`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/dicom+json' },
    });
    assert.equal(created.status, 201, await created.text());
    assert.match(created.headers.get('location') ?? '', new RegExp(`/v2/partitions/Gamma/workitems/${uid}$`));
    assert.equal((await text(`/v2/partitions/Gamma/workitems/${uid}`)).status, 200);
    assert.equal((await text(`/v2/partitions/Alpha/workitems/${uid}`)).status, 404);
  });
});
