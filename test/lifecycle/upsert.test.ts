/**
 * PUT /v2/studies (upsert, docs/lifecycle.md): a new instance is stored, a visible one replaced
 * (new bytes, metadata and search values, one `update` change-feed entry, the old version's blobs
 * removed), POST still answers 45070, v1 has no PUT, and concurrent PUTs of one instance leave
 * exactly one of them visible with one feed entry per PUT that answered success.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import type { FeedEntry } from '../changefeed/feedClient';
import { makeDicom, newUid } from '../support/dicomFactory';
import { readReply } from '../support/httpReply';
import { useTestServer } from '../support/serverFixture';
import { firstValue, sequence, stowFiles } from '../support/stowClient';
import { asStored, put, putSingle, retrieveBytes } from './upsertClient';

const server = useTestServer();

function instanceFile(uids: { study: string; series: string; sop: string }, patientName: string, fill: number) {
  const file = makeDicom({
    studyInstanceUid: uids.study,
    seriesInstanceUid: uids.series,
    sopInstanceUid: uids.sop,
    patientName,
    pixelDataBytes: 2048,
  });
  // Distinct pixel bytes per version, so retrieve tells the versions apart byte for byte.
  file.fill(fill, file.length - 1024);
  return file;
}

async function feedOf(sop: string): Promise<FeedEntry[]> {
  const reply = await readReply<FeedEntry[]>(await fetch(`${server.baseUrl}/v2/changefeed?limit=200`));
  return (reply.json ?? []).filter((e) => e.SopInstanceUid === sop);
}

async function blobVersions(uids: { study: string; series: string; sop: string }): Promise<Set<string>> {
  const names = await server.probe.blobNames(`${uids.study}/${uids.series}/${uids.sop}/`);
  return new Set(names.map((n) => n.split('/')[3] ?? ''));
}

describe('PUT upsert', () => {
  it('stores a new instance, then replaces it whole', async () => {
    const uids = { study: newUid(), series: newUid(), sop: newUid() };
    const url = `${server.baseUrl}/v2/studies/${uids.study}/series/${uids.series}/instances/${uids.sop}`;
    const first = instanceFile(uids, 'Old^Name', 1);
    const created = await put(`${server.baseUrl}/v2/studies`, [first]);
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(await retrieveBytes(url), asStored(first));

    const second = instanceFile(uids, 'New^Name', 2);
    const replaced = await putSingle(`${server.baseUrl}/v2/studies/${uids.study}`, second);
    assert.equal(replaced.status, 200, replaced.text);
    const referenced = sequence(replaced.json, Tag.ReferencedSOPSequence);
    assert.equal(firstValue(referenced[0], Tag.ReferencedSOPInstanceUID), uids.sop);
    assert.deepEqual(await retrieveBytes(url), asStored(second));

    const metadata = await readReply<DicomJsonDataset[]>(
      await fetch(`${url}/metadata`, { headers: { Accept: 'application/dicom+json' } }),
    );
    assert.deepEqual(firstValue(metadata.json?.[0], Tag.PatientName), { Alphabetic: 'New^Name' });
    const byNew = await fetch(`${server.baseUrl}/v2/instances?PatientName=New^Name&SOPInstanceUID=${uids.sop}`);
    assert.equal(byNew.status, 200);
    const byOld = await fetch(`${server.baseUrl}/v2/studies?PatientName=Old^Name&StudyInstanceUID=${uids.study}`);
    assert.equal(byOld.status, 204);
    const study = await readReply<DicomJsonDataset[]>(
      await fetch(`${server.baseUrl}/v2/studies?StudyInstanceUID=${uids.study}`),
    );
    assert.equal(firstValue(study.json?.[0], Tag.NumberOfStudyRelatedInstances), 1);

    const feed = await feedOf(uids.sop);
    assert.deepEqual(
      feed.map((e) => [e.Action, e.State]),
      [
        ['create', 'replaced'],
        ['update', 'current'],
      ],
    );
    // The old version's blobs go a grace period after the answer.
    let versions = await blobVersions(uids);
    for (let i = 0; i < 50 && versions.size > 1; i++) {
      await sleep(200);
      versions = await blobVersions(uids);
    }
    assert.equal(versions.size, 1, `blob versions left: ${[...versions].join(', ')}`);
  });

  it('leaves POST answering 45070 for an existing instance, and v1 without PUT', async () => {
    const uids = { study: newUid(), series: newUid(), sop: newUid() };
    const file = instanceFile(uids, 'A^B', 3);
    assert.equal((await put(`${server.baseUrl}/v2/studies`, [file])).status, 200);
    const posted = await stowFiles(`${server.baseUrl}/v2/studies`, [file]);
    assert.equal(posted.status, 409);
    const failed = sequence(posted.json, Tag.FailedSOPSequence);
    assert.equal(firstValue(failed[0], Tag.FailureReason), 45070);
    const v1 = await fetch(`${server.baseUrl}/v1/studies`, { method: 'PUT', body: new Uint8Array(file) });
    assert.equal(v1.status, 405);
    assert.match(v1.headers.get('allow') ?? '', /POST/);
  });

  it('replaces and creates in one multipart request', async () => {
    const study = newUid();
    const series = newUid();
    const old = { study, series, sop: newUid() };
    const fresh = { study, series, sop: newUid() };
    assert.equal((await put(`${server.baseUrl}/v2/studies`, [instanceFile(old, 'X^Y', 4)])).status, 200);
    const both = await put(`${server.baseUrl}/v2/studies/${study}`, [
      instanceFile(old, 'X^Z', 5),
      instanceFile(fresh, 'X^Z', 6),
    ]);
    assert.equal(both.status, 200, both.text);
    assert.deepEqual(
      (await feedOf(old.sop)).map((e) => e.Action),
      ['create', 'update'],
    );
    assert.deepEqual(
      (await feedOf(fresh.sop)).map((e) => e.Action),
      ['create'],
    );
    const series2 = await readReply<DicomJsonDataset[]>(
      await fetch(`${server.baseUrl}/v2/studies/${study}/series?includefield=NumberOfSeriesRelatedInstances`),
    );
    assert.equal(firstValue(series2.json?.[0], Tag.NumberOfSeriesRelatedInstances), 2);
  });

  it('lets concurrent PUTs of one instance replace it one at a time', async () => {
    const uids = { study: newUid(), series: newUid(), sop: newUid() };
    const url = `${server.baseUrl}/v2/studies/${uids.study}/series/${uids.series}/instances/${uids.sop}`;
    assert.equal((await put(`${server.baseUrl}/v2/studies`, [instanceFile(uids, 'Base^Line', 7)])).status, 200);
    const files = [10, 11, 12, 13, 14, 15].map((fill) => instanceFile(uids, `Race^${fill}`, fill));
    const replies = await Promise.all(files.map((file) => put(`${server.baseUrl}/v2/studies`, [file])));
    const winners = files.filter((_, i) => replies[i]?.status === 200);
    for (const reply of replies.filter((r) => r.status !== 200)) {
      assert.equal(reply.status, 409, reply.text);
      const failed = sequence(reply.json, Tag.FailedSOPSequence);
      assert.equal(firstValue(failed[0], Tag.FailureReason), 45071);
    }
    assert.ok(winners.length >= 1);
    const stored = await retrieveBytes(url);
    assert.ok(
      winners.some((w) => Buffer.isBuffer(stored) && asStored(w).equals(stored)),
      'the visible instance is one that a PUT answered 200 for',
    );
    const updates = (await feedOf(uids.sop)).filter((e) => e.Action === 'update');
    assert.equal(updates.length, winners.length);
    assert.equal(updates.filter((e) => e.State === 'current').length, 1);
  });
});
