/**
 * POST /v2/studies/$bulkUpdate (docs/bulk-update.md): the request checks and their words, then an
 * update of two studies: new values in the files (read by DCMTK), pixel data byte for byte, the
 * metadata and its ETag, search by new and old values, one `update` feed entry per instance, the
 * original version behind `msdicom-request-original`, and a delete that removes both versions.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { hostQueuesOptions } from '../../host/functionsHost/functionsHost';
import type { FeedEntry } from '../changefeed/feedClient';
import { dcmdumpValues, ensureDcmtk } from '../support/dcmtkReference';
import { newUid } from '../support/dicomFactory';
import { readReply } from '../support/httpReply';
import { useTestServer } from '../support/serverFixture';
import { stowFiles } from '../support/stowClient';
import { APP_ROOT } from '../support/testServer';
import { asStored, retrieveBytes } from '../lifecycle/upsertClient';
import {
  instanceUrl,
  pixelDataTail,
  postBulkUpdate,
  settledOperation,
  studyFiles,
  type StoredInstance,
} from './bulkUpdateClient';

const server = useTestServer({
  runQueueTriggers: true,
  queuesOptions: { ...hostQueuesOptions(APP_ROOT), maxPollingIntervalMs: 200 },
});

const PN = (name: string) => ({ vr: 'PN', Value: [{ Alphabetic: name }] });

describe('bulk update: the request', () => {
  it('exists in v2 only: v1 answers 404 with an empty body', async () => {
    const response = await postBulkUpdate(server.baseUrl, { studyInstanceUids: [newUid()], changeDataset: {} }, 'v1');
    assert.equal(response.status, 404);
    assert.equal(await response.text(), '');
  });

  it('refuses missing, too many and invalid study UIDs with Azure’s words', async () => {
    const changeDataset = { '00100010': PN('A^B') };
    const missing = await readReply(await postBulkUpdate(server.baseUrl, { changeDataset }));
    assert.equal(missing.status, 400);
    assert.match(missing.text, /The required field 'StudyInstanceUids' is missing or empty\./);
    const empty = await readReply(await postBulkUpdate(server.baseUrl, { studyInstanceUids: [], changeDataset }));
    assert.equal(empty.status, 400);
    const many = Array.from({ length: 51 }, () => newUid());
    const tooMany = await readReply(await postBulkUpdate(server.baseUrl, { studyInstanceUids: many, changeDataset }));
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.text, /StudyInstanceUids count exceeded maximum length '50'/);
    const invalid = await postBulkUpdate(server.baseUrl, { studyInstanceUids: ['1'.repeat(65)], changeDataset });
    assert.equal(invalid.status, 400);
    const notJson = await fetch(`${server.baseUrl}/v2/studies/$bulkUpdate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    assert.equal(notJson.status, 400);
  });

  it('answers attributes it cannot change with a FailedAttributesSequence', async () => {
    const reply = await readReply<DicomJsonDataset>(
      await postBulkUpdate(server.baseUrl, {
        studyInstanceUids: [newUid()],
        changeDataset: {
          '00080020': { vr: 'DA', Value: ['20240101'] },
          '00100030': { vr: 'DA', Value: ['2024-01-01'] },
          '00100040': { vr: 'CS', Value: ['M'] },
          '00101010': { vr: 'AS', Value: ['forty'] },
          '00100050': { vr: 'SQ', Value: [] },
        },
      }),
    );
    assert.equal(reply.status, 400, reply.text);
    assert.equal(reply.headers.get('content-type'), 'application/dicom+json');
    const items = reply.json?.[Tag.FailedAttributesSequence]?.Value as DicomJsonDataset[];
    const comments = items.map((item) => item[Tag.ErrorComment]?.Value?.[0] as string);
    assert.equal(comments.length, 4, comments.join('\n'));
    assert.ok(comments.includes('DICOM100: (0008,0020) - Updating the tag is not supported'), comments.join('\n'));
    assert.ok(comments.includes('DICOM100: (0010,0050) - Updating the tag is not supported'), comments.join('\n'));
    assert.ok(
      comments.some((c) => c.startsWith('DICOM100: (0010,0030) - Content "2024-01-01" does not validate VR DA')),
    );
    assert.ok(comments.some((c) => c.startsWith('DICOM100: (0010,1010) - Content "forty" does not validate VR AS')));
  });
});

describe('bulk update: the operation', () => {
  const patientId = `OLD-${newUid().slice(-8)}`;
  const accession = `A${newUid().slice(-10)}`;
  const newPatientId = `NEW-${newUid().slice(-8)}`;
  let instances: StoredInstance[] = [];
  let dcmtk: string | undefined;

  before(async () => {
    dcmtk = await ensureDcmtk();
    instances = studyFiles(2, 3, patientId, accession);
    const stored = await stowFiles(
      `${server.baseUrl}/v2/studies`,
      instances.map((i) => i.file),
    );
    assert.equal(stored.status, 200);
  });

  it('updates every instance of two studies, keeps the originals, and answers as Azure does', async (t) => {
    const studies = [...new Set(instances.map((i) => i.study))];
    const first = instances[0] as StoredInstance;
    const metadataUrl = `${server.baseUrl}/v2/studies/${first.study}/metadata`;
    const etagBefore = (await fetch(metadataUrl)).headers.get('etag');
    assert.ok(etagBefore);

    const started = await postBulkUpdate(server.baseUrl, {
      studyInstanceUids: studies,
      changeDataset: {
        '00100010': PN('New^Name'),
        '00100020': { vr: 'LO', Value: [newPatientId] },
        '00080050': { vr: 'SH', Value: ['ACC-NEW'] },
      },
    });
    const body = (await started.json()) as { id: string; href: string };
    assert.equal(started.status, 202);
    assert.equal(started.headers.get('location'), null);
    assert.match(body.id, /^[0-9a-f]{32}$/);
    assert.equal(body.href, `${server.baseUrl}/v2/operations/${body.id}`);

    // One update operation at a time: a second request while the first is active is refused.
    const second = await postBulkUpdate(server.baseUrl, {
      studyInstanceUids: [first.study],
      changeDataset: { '00100010': PN('Other^Name') },
    });
    assert.equal(second.status, 409);
    assert.equal(await second.text(), `There is already an active update operation with ID '${body.id}'.`);

    const operation = await settledOperation(body.href);
    assert.equal(operation.type, 'update');
    assert.equal(operation.status, 'succeeded', JSON.stringify(operation));
    assert.equal(operation.percentComplete, 100);
    assert.ok(!('resources' in operation), 'no resources, as Azure');
    assert.deepEqual(operation.results, { studyProcessed: 2, studyUpdated: 2, studyFailed: 0, instanceUpdated: 6 });

    for (const instance of instances) {
      const url = instanceUrl(server.baseUrl, instance);
      const bytes = await retrieveBytes(url);
      assert.ok(Buffer.isBuffer(bytes), `retrieve of ${instance.sop} answered ${String(bytes)}`);
      assert.ok(pixelDataTail(bytes).equals(pixelDataTail(instance.file)), 'pixel data unchanged byte for byte');
      if (dcmtk === undefined) {
        const values = await dcmdumpValues(bytes, ['0010,0010', '0010,0020', '0008,0050', '0008,1030']);
        assert.equal(values.get('0010,0010'), 'New^Name');
        assert.equal(values.get('0010,0020'), newPatientId);
        assert.equal(values.get('0008,0050'), 'ACC-NEW');
        assert.equal(values.get('0008,1030'), 'Old description');
      }
      const original = await fetch(url, {
        headers: { accept: 'application/dicom', 'msdicom-request-original': 'true' },
      });
      assert.equal(original.status, 200);
      assert.ok(
        Buffer.from(await original.arrayBuffer()).equals(asStored(instance.file)),
        'the original, byte for byte',
      );
    }
    if (dcmtk !== undefined) t.diagnostic(`DCMTK not used: ${dcmtk}`);

    const metadata = await fetch(metadataUrl);
    const documents = (await metadata.json()) as DicomJsonDataset[];
    assert.equal(documents.length, 3);
    for (const doc of documents) {
      assert.deepEqual(doc[Tag.PatientName]?.Value, [{ Alphabetic: 'New^Name' }]);
      assert.deepEqual(doc[Tag.PatientID]?.Value, [newPatientId]);
    }
    assert.notEqual(metadata.headers.get('etag'), etagBefore, 'the metadata ETag changed');
    const originalMetadata = (await (
      await fetch(metadataUrl, { headers: { 'msdicom-request-original': 'true' } })
    ).json()) as DicomJsonDataset[];
    for (const doc of originalMetadata) assert.deepEqual(doc[Tag.PatientID]?.Value, [patientId]);

    const byNew = (await (await fetch(`${server.baseUrl}/v2/studies?PatientID=${newPatientId}`)).json()) as unknown[];
    assert.equal(byNew.length, 2);
    const byOld = await fetch(`${server.baseUrl}/v2/studies?PatientID=${patientId}`);
    assert.equal(byOld.status, 204, 'no study is found by the old Patient ID');
    const byAccession = (await (
      await fetch(`${server.baseUrl}/v2/studies?AccessionNumber=ACC-NEW`)
    ).json()) as unknown[];
    assert.equal(byAccession.length, 2);
    const byName = (await (await fetch(`${server.baseUrl}/v2/studies?PatientName=New^Name`)).json()) as unknown[];
    assert.equal(byName.length, 2);

    const feed = (await readReply<FeedEntry[]>(await fetch(`${server.baseUrl}/v2/changefeed?limit=200`))).json ?? [];
    for (const instance of instances) {
      const entries = feed.filter((e) => e.SopInstanceUid === instance.sop);
      assert.deepEqual(
        entries.map((e) => [e.Action, e.State]),
        [
          ['create', 'replaced'],
          ['update', 'current'],
        ],
      );
    }

    // A delete removes both versions.
    const deleted = await fetch(`${server.baseUrl}/v2/studies/${first.study}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    // The blobs go after the answer (docs/delete-and-changefeed.md): both versions' within seconds.
    let left = await server.probe.blobNames(`${first.study}/`);
    for (let i = 0; i < 100 && left.length > 0; i++) {
      await sleep(100);
      left = await server.probe.blobNames(`${first.study}/`);
    }
    assert.deepEqual(left, []);
  });

  it('fails a study whose instances hold a value the request would make null', async () => {
    const study = instances[5] as StoredInstance;
    const started = await postBulkUpdate(server.baseUrl, {
      studyInstanceUids: [study.study],
      changeDataset: { '00081030': { vr: 'LO' } },
    });
    assert.equal(started.status, 202);
    const operation = await settledOperation(((await started.json()) as { href: string }).href);
    assert.equal(operation.status, 'failed');
    assert.equal(operation.results?.studyFailed, 1);
    assert.equal(operation.results?.instanceUpdated, 0);
    const errors = operation.results?.errors ?? [];
    assert.equal(errors[0], `Failed to update instances for study ${study.study}`);
    assert.match(errors[1] ?? '', /cannot be changed to null/);
    const bytes = await retrieveBytes(instanceUrl(server.baseUrl, study));
    assert.ok(Buffer.isBuffer(bytes));
    assert.ok(bytes.includes(Buffer.from('Old description')), 'the instance is unchanged');
  });
});
