// STOW-RS failure codes and malformed requests: the right status, a readable reason, nothing stored.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom, newUid } from '../support/dicomFactory';
import { multipartBody, multipartRelated, newBoundary } from '../support/multipartBody';
import { firstValue, post, sequence, stowFiles, stowParts } from '../support/stowClient';
import { useTestServer } from '../support/serverFixture';

describe('STOW-RS failures', () => {
  const ctx = useTestServer();
  const studies = (): string => `${ctx.baseUrl}/v2/studies`;

  async function assertNothingStored(studyUid: string): Promise<void> {
    assert.deepEqual(await ctx.probe.blobNames(`${studyUid}/`), []);
    assert.deepEqual(await ctx.probe.entities('Instances', `PartitionKey eq '${studyUid}'`), []);
  }

  test('a non-DICOM part fails with 43264 and the request with 409', async () => {
    const result = await stowFiles(studies(), [Buffer.from('this is not a DICOM file at all, just some text')]);
    assert.equal(result.status, 409, result.text);
    const failed = sequence(result.json, Tag.FailedSOPSequence);
    assert.equal(failed.length, 1);
    assert.equal(firstValue(failed[0], Tag.FailureReason), 43264);
    const comment = sequence(failed[0], Tag.FailedAttributesSequence)[0];
    assert.match(String(firstValue(comment, Tag.ErrorComment)), /DICOM/);
  });

  test('one good and one bad part: 202, the good one stored', async () => {
    const study = newUid();
    const good = makeDicom({ studyInstanceUid: study });
    const result = await stowFiles(studies(), [good, Buffer.alloc(300, 7)]);
    assert.equal(result.status, 202, result.text);
    assert.equal(sequence(result.json, Tag.ReferencedSOPSequence).length, 1);
    assert.equal(sequence(result.json, Tag.FailedSOPSequence).length, 1);
    assert.equal((await ctx.probe.entities('Instances', `PartitionKey eq '${study}'`)).length, 1);
  });

  test('a truncated file fails with 43264, leaves nothing, and the full file stores afterwards', async () => {
    const study = newUid();
    const file = makeDicom({ studyInstanceUid: study, pixelDataBytes: 64 * 1024 });
    const truncated = file.subarray(0, file.length - 1000);
    const result = await stowFiles(studies(), [truncated]);
    assert.equal(result.status, 409, result.text);
    assert.equal(firstValue(sequence(result.json, Tag.FailedSOPSequence)[0], Tag.FailureReason), 43264);
    await assertNothingStored(study);
    const retry = await stowFiles(studies(), [file]);
    assert.equal(retry.status, 200, retry.text);
  });

  test('missing or invalid required attributes fail with 43264', async () => {
    const cases = [
      makeDicom({ sopInstanceUid: 'not a uid!' }),
      makeDicom({ studyInstanceUid: '1.2.3.' + '4'.repeat(70) }),
      makeDicom({ patientId: null }),
      makeDicom({ patientId: 'back\\slash' }),
    ];
    const result = await stowFiles(studies(), cases);
    assert.equal(result.status, 409, result.text);
    const failed = sequence(result.json, Tag.FailedSOPSequence);
    assert.deepEqual(
      failed.map((f) => firstValue(f, Tag.FailureReason)),
      [43264, 43264, 43264, 43264],
    );
  });

  test('an empty PatientID is allowed', async () => {
    const result = await stowFiles(studies(), [makeDicom({ patientId: '' })]);
    assert.equal(result.status, 200, result.text);
  });

  test('an instance of another study in a study-scoped store fails with 43265', async () => {
    const study = newUid();
    const result = await stowFiles(`${studies()}/${study}`, [
      makeDicom({ studyInstanceUid: study }),
      makeDicom({ studyInstanceUid: newUid() }),
    ]);
    assert.equal(result.status, 202, result.text);
    const failed = sequence(result.json, Tag.FailedSOPSequence);
    assert.equal(firstValue(failed[0], Tag.FailureReason), 43265);
  });

  test('v1 rejects an invalid searchable attribute; v2 stores it with a warning', async () => {
    const badDate = { tag: Tag.StudyDate, vr: 'DA', value: 'NotADate' };
    const refused = { studyInstanceUid: newUid(), seriesInstanceUid: newUid(), sopInstanceUid: newUid() };
    const v1 = await stowFiles(`${ctx.baseUrl}/v1/studies`, [makeDicom({ ...refused, elements: [badDate] })]);
    assert.equal(v1.status, 409, v1.text);
    assert.equal(firstValue(sequence(v1.json, Tag.FailedSOPSequence)[0], Tag.FailureReason), 43264);
    // Refused after its upload: nothing of the attempt is left, its SOP Instance UID index entry included.
    assert.deepEqual(await ctx.probe.blobNames(`${refused.studyInstanceUid}/`), []);
    assert.deepEqual(await ctx.probe.entities('Instances', `PartitionKey eq '${refused.studyInstanceUid}'`), []);
    const sopEntries = await ctx.probe.entities('IxSopUidEq');
    assert.deepEqual(
      sopEntries.filter((e) => e.rowKey.startsWith(refused.studyInstanceUid)),
      [],
      'no index entry of the refused instance',
    );

    const v2 = await stowFiles(studies(), [makeDicom({ elements: [badDate] })]);
    assert.equal(v2.status, 202, v2.text);
    const stored = sequence(v2.json, Tag.ReferencedSOPSequence)[0];
    assert.equal(firstValue(stored, Tag.WarningReason), 1);
    const comment = firstValue(sequence(stored, Tag.FailedAttributesSequence)[0], Tag.ErrorComment);
    assert.match(String(comment), /\(0008,0020\)/);
  });

  test('Accept negotiation: absent and */* are fine, anything else is 406', async () => {
    const file = () => multipartBody([{ body: makeDicom() }], 'b1');
    const contentType = multipartRelated('b1');
    assert.equal((await post(studies(), file(), { 'Content-Type': contentType })).status, 200);
    assert.equal((await post(studies(), file(), { 'Content-Type': contentType, Accept: '*/*' })).status, 200);
    const xml = await post(studies(), file(), { 'Content-Type': contentType, Accept: 'application/dicom+xml' });
    assert.equal(xml.status, 406);
    assert.match(xml.text, /application\/dicom\+json/);
  });

  test('unsupported content types are 415', async () => {
    const body = makeDicom();
    for (const contentType of [
      'text/plain',
      'application/json',
      'multipart/form-data; boundary=x',
      'multipart/related; type="application/dicom+json"; boundary=x',
    ]) {
      const result = await post(studies(), body, { 'Content-Type': contentType });
      assert.equal(result.status, 415, `${contentType}: ${result.text}`);
    }
    const none = await fetch(studies(), { method: 'POST', body: new Uint8Array(body) });
    assert.equal(none.status, 415);
  });

  test('multipart/related without a type parameter is accepted', async () => {
    const boundary = newBoundary();
    const result = await post(studies(), multipartBody([{ body: makeDicom() }], boundary), {
      'Content-Type': multipartRelated(boundary, null),
    });
    assert.equal(result.status, 200, result.text);
  });

  test('an empty multipart request is 204; an empty application/dicom body too', async () => {
    const empty = await post(studies(), Buffer.from('--b1--\r\n'), { 'Content-Type': multipartRelated('b1') });
    assert.equal(empty.status, 204, empty.text);
    const emptyBody = await post(studies(), Buffer.alloc(0), { 'Content-Type': 'application/dicom' });
    assert.equal(emptyBody.status, 204, emptyBody.text);
  });

  test('a single part with no headers and no bytes (.NET empty MultipartContent) is an empty request: 204', async () => {
    const result = await post(studies(), Buffer.from('--b1\r\n\r\n\r\n--b1--\r\n'), {
      'Content-Type': multipartRelated('b1'),
    });
    assert.equal(result.status, 204, result.text);
  });

  test('malformed multipart framing is 400 with a reason, and the server keeps serving', async () => {
    const noBoundary = await post(studies(), makeDicom(), {
      'Content-Type': 'multipart/related; type="application/dicom"',
    });
    assert.equal(noBoundary.status, 400, noBoundary.text);
    assert.match(noBoundary.text, /boundary/i);

    const study = newUid();
    const unterminated = Buffer.concat([
      Buffer.from('--b1\r\nContent-Type: application/dicom\r\n\r\n'),
      makeDicom({ studyInstanceUid: study }),
    ]);
    const truncated = await post(studies(), unterminated, { 'Content-Type': multipartRelated('b1') });
    assert.equal(truncated.status, 400, truncated.text);
    await assertNothingStored(study);

    const hugeHeader = Buffer.from(`--b1\r\nX-Filler: ${'a'.repeat(100_000)}\r\n\r\nabc\r\n--b1--\r\n`);
    const header = await post(studies(), hugeHeader, { 'Content-Type': multipartRelated('b1') });
    assert.equal(header.status, 400, header.text);

    const ok = await stowFiles(studies(), [makeDicom()]);
    assert.equal(ok.status, 200, ok.text);
  });

  test('thousands of empty parts are answered without falling over', async () => {
    const parts = Array.from({ length: 3000 }, () => ({ body: Buffer.alloc(0) }));
    const result = await stowParts(studies(), parts);
    assert.equal(result.status, 409, result.text.slice(0, 200));
    assert.equal(sequence(result.json, Tag.FailedSOPSequence).length, 3000);
    const ok = await stowFiles(studies(), [makeDicom()]);
    assert.equal(ok.status, 200, ok.text);
  });

  test('a metadata document too large for the entity goes to a blob beside the file', async () => {
    const study = newUid();
    const longText = { tag: '00204000', vr: 'UT', value: 'long comment '.repeat(4000) };
    const result = await stowFiles(studies(), [makeDicom({ studyInstanceUid: study, elements: [longText] })]);
    assert.equal(result.status, 200, result.text);
    const [entity] = await ctx.probe.entities('Instances', `PartitionKey eq '${study}'`);
    assert.equal(entity?.MetadataInBlob, true);
    assert.equal(entity?.Metadata, undefined);
    const metadataBlob = (await ctx.probe.blobNames(`${study}/`)).find((name) => name.endsWith('/metadata.json'));
    assert.ok(metadataBlob);
    const metadata = JSON.parse((await ctx.probe.downloadBlob(metadataBlob)).toString('utf8')) as Record<
      string,
      { Value?: unknown[] }
    >;
    assert.equal(String(metadata['00204000']?.Value?.[0]).length, 'long comment '.repeat(4000).trimEnd().length);
  });

  test('a malformed study UID in the path is 400', async () => {
    const result = await stowFiles(`${studies()}/not-a-uid!`, [makeDicom()]);
    assert.equal(result.status, 400, result.text);
    assert.match(result.text, /StudyInstanceUID/);
  });
});
