// The Azure tutorials' three store requests (../shared/seeds), and what they leave in storage.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import { storedFeedEvents } from '../support/feedRows';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { multipartBody } from '../support/multipartBody';
import { firstValue, post, sequence } from '../support/stowClient';
import { useTestServer } from '../support/serverFixture';
import { PENDING_MARKERS_FILTER } from '../../shared/storage/instanceRecords';

describe('STOW-RS: the tutorial requests', () => {
  const ctx = useTestServer();

  test('cURL --form with type="application/dicom" stores red-triangle (200)', async () => {
    // The tutorial command's request shape with form-data part headers (as urllib3 sends them; the
    // curl binary itself, which sends `attachment`, is in stowRealClients.test.ts).
    const boundary = '------------------------a1b2c3d4e5f60718';
    const body = multipartBody(
      [{ body: readFixture(TUTORIAL.redTriangle.file), formDataName: 'file1', contentType: 'application/dicom' }],
      boundary,
    );
    const result = await post(`${ctx.baseUrl}/v1/studies`, body, {
      Accept: 'application/dicom+json',
      'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
    });
    assert.equal(result.status, 200, result.text);
    assert.equal(result.headers.get('content-type'), 'application/dicom+json');
    const referenced = sequence(result.json, Tag.ReferencedSOPSequence);
    assert.equal(referenced.length, 1);
    assert.equal(firstValue(referenced[0], Tag.ReferencedSOPInstanceUID), TUTORIAL.redTriangle.sopUid);
    assert.equal(firstValue(referenced[0], Tag.ReferencedSOPClassUID), '1.2.840.10008.5.1.4.1.1.7');
    assert.equal(
      firstValue(referenced[0], Tag.RetrieveURL),
      `${ctx.baseUrl}/v1/studies/${TUTORIAL.studyUid}/series/${TUTORIAL.redTriangle.seriesUid}/instances/${TUTORIAL.redTriangle.sopUid}`,
    );
    assert.equal(result.json?.[Tag.RetrieveURL], undefined, 'no study RetrieveURL without a study in the path');
    assert.equal(result.json?.[Tag.FailedSOPSequence], undefined);
  });

  test('study-scoped store of blue-circle answers the study RetrieveURL', async () => {
    const boundary = 'ABCD1234';
    const body = multipartBody(
      [{ body: readFixture(TUTORIAL.blueCircle.file), formDataName: 'file1', contentType: 'application/dicom' }],
      boundary,
    );
    const result = await post(`${ctx.baseUrl}/v2/studies/${TUTORIAL.studyUid}`, body, {
      Accept: 'application/dicom+json',
      'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
    });
    assert.equal(result.status, 200, result.text);
    assert.equal(firstValue(result.json, Tag.RetrieveURL), `${ctx.baseUrl}/v2/studies/${TUTORIAL.studyUid}`);
  });

  test('single application/dicom body stores green-square; the same again is 409 with 45070', async () => {
    const file = readFixture(TUTORIAL.greenSquare.file);
    const headers = { Accept: 'application/dicom+json', 'Content-Type': 'application/dicom' };
    const first = await post(`${ctx.baseUrl}/v2/studies`, file, headers);
    assert.equal(first.status, 200, first.text);
    const again = await post(`${ctx.baseUrl}/v2/studies`, file, headers);
    assert.equal(again.status, 409, again.text);
    const failed = sequence(again.json, Tag.FailedSOPSequence);
    assert.equal(failed.length, 1);
    assert.equal(firstValue(failed[0], Tag.FailureReason), 45070);
    assert.equal(firstValue(failed[0], Tag.ReferencedSOPInstanceUID), TUTORIAL.greenSquare.sopUid);
  });

  test('the stored file is the bytes sent, preamble zeroed', async () => {
    const original = readFixture(TUTORIAL.redTriangle.file);
    const [name] = await ctx.probe.blobNames(
      `${TUTORIAL.studyUid}/${TUTORIAL.redTriangle.seriesUid}/${TUTORIAL.redTriangle.sopUid}/`,
    );
    const files = (await ctx.probe.blobNames(`${TUTORIAL.studyUid}/`)).filter((n) => n.endsWith('/file.dcm'));
    assert.equal(files.length, 3);
    assert.ok(name);
    const stored = await ctx.probe.downloadBlob(name.replace(/[^/]+$/, 'file.dcm'));
    assert.equal(stored.length, original.length);
    assert.ok(stored.subarray(0, 128).equals(Buffer.alloc(128)));
    assert.ok(stored.subarray(128).equals(original.subarray(128)));
  });

  test('a metadata document without bulk data is kept on the instance entity', async () => {
    const entity = await ctx.probe
      .table('Instances')
      .getEntity<{ Metadata: string; MetadataInBlob: boolean }>(
        TUTORIAL.studyUid,
        `${TUTORIAL.greenSquare.seriesUid}|${TUTORIAL.greenSquare.sopUid}`,
      );
    assert.equal(entity.MetadataInBlob, false);
    const metadata = JSON.parse(entity.Metadata) as Record<string, { vr: string; Value?: unknown[] }>;
    assert.deepEqual(metadata[Tag.PatientName]?.Value, [{ Alphabetic: 'Anony Mous' }]);
    assert.deepEqual(metadata[Tag.SOPInstanceUID]?.Value, [TUTORIAL.greenSquare.sopUid]);
    assert.equal(metadata[Tag.PixelData], undefined, 'pixel data is bulk data');
    for (const element of Object.values(metadata)) {
      assert.ok(!['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN'].includes(element.vr), `bulk VR ${element.vr} in metadata`);
    }
    const blobs = await ctx.probe.blobNames(
      `${TUTORIAL.studyUid}/${TUTORIAL.greenSquare.seriesUid}/${TUTORIAL.greenSquare.sopUid}/`,
    );
    assert.deepEqual(
      blobs.map((name) => name.replace(/^.*\//, '')),
      ['file.dcm'],
      'a small metadata document needs no blob',
    );
  });

  test('each stored instance is committed: visible entity, frame ranges, one change-feed entry each', async () => {
    const instances = await ctx.probe.entities('Instances', `PartitionKey eq '${TUTORIAL.studyUid}'`);
    assert.equal(instances.length, 3);
    for (const entity of instances) {
      assert.equal(entity.State, 'created');
      assert.equal(entity.TransferSyntaxUID, '1.2.840.10008.1.2.1');
      const frames = JSON.parse(String(entity.Frames)) as { kind: string; count: number; frameLength: number };
      assert.deepEqual([frames.kind, frames.count, frames.frameLength], ['native', 1, 979 * 985 * 3]);
    }
    const entries = (await storedFeedEvents(ctx.probe)).map((e) => ({ ...e, sop: e.sopInstanceUid }));
    assert.deepEqual(
      entries.map((e) => e.sequence),
      [1, 2, 3],
    );
    assert.ok(entries.every((e) => e.action === 'create'));
    assert.deepEqual(
      new Set(entries.map((e) => e.sop)),
      new Set([TUTORIAL.redTriangle.sopUid, TUTORIAL.blueCircle.sopUid, TUTORIAL.greenSquare.sopUid]),
    );
    // Markers are removed after the response; give that a moment.
    const deadline = Date.now() + 5000;
    let pending = await ctx.probe.entities('Instances', PENDING_MARKERS_FILTER);
    while (pending.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      pending = await ctx.probe.entities('Instances', PENDING_MARKERS_FILTER);
    }
    assert.equal(pending.length, 0, 'no store left a pending marker');
  });
});
