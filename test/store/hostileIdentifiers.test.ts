// Identifiers that would escape their place (issue 13): UIDs with empty components never become
// storage keys, and a Transfer Syntax UID that is not a UID never reaches a header.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import { uidParam } from '../../shared/http/uidParam';
import { BadRequestError } from '../../shared/errors';
import { encodeElement, makeDicom, newUid } from '../support/dicomFactory';
import { firstValue, sequence, stowFiles } from '../support/stowClient';
import { useTestServer } from '../support/serverFixture';

/** makeDicom's file with another Transfer Syntax UID in its File Meta Information. */
function withTransferSyntax(file: Buffer, transferSyntaxUid: string): Buffer {
  const metaStart = 132;
  const groupLength = file.readUInt32LE(metaStart + 8);
  const metaEnd = metaStart + 12 + groupLength;
  const sopClass = '1.2.840.10008.5.1.4.1.1.7';
  const elements = Buffer.concat([
    encodeElement({ tag: '00020001', vr: 'OB', value: Buffer.from([0, 1]) }),
    encodeElement({ tag: '00020002', vr: 'UI', value: sopClass }),
    encodeElement({ tag: '00020003', vr: 'UI', value: newUid() }),
    encodeElement({ tag: '00020010', vr: 'UI', value: transferSyntaxUid }),
  ]);
  const length = encodeElement({ tag: '00020000', vr: 'UL', value: u32(elements.length) });
  return Buffer.concat([file.subarray(0, metaStart), length, elements, file.subarray(metaEnd)]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}

describe('hostile identifiers', () => {
  const ctx = useTestServer();

  test('a dot-only or empty-component UID fails the instance (43264) and stores nothing', async () => {
    for (const studyInstanceUid of ['..', '.', '1..2', '1.2.']) {
      const result = await stowFiles(`${ctx.baseUrl}/v2/studies`, [makeDicom({ studyInstanceUid })]);
      assert.equal(result.status, 409, `${studyInstanceUid}: ${result.text}`);
      const failed = sequence(result.json, Tag.FailedSOPSequence)[0];
      assert.equal(firstValue(failed, Tag.FailureReason), 43264);
    }
    const search = await fetch(`${ctx.baseUrl}/v2/studies`);
    assert.equal(search.status, 204);
  });

  test('a Transfer Syntax UID with CR/LF fails the instance and never reaches a header', async () => {
    const study = newUid();
    const poisoned = withTransferSyntax(
      makeDicom({ studyInstanceUid: study }),
      '1.2.840.10008.1.2.1\r\nX-Injected: yes',
    );
    const result = await stowFiles(`${ctx.baseUrl}/v2/studies`, [poisoned]);
    assert.equal(result.status, 409, result.text);
    const failed = sequence(result.json, Tag.FailedSOPSequence)[0];
    assert.equal(firstValue(failed, Tag.FailureReason), 43264);
    assert.equal((await fetch(`${ctx.baseUrl}/v2/studies/${study}`)).status, 404);
  });

  test('paths and queries refuse the two dot segments, and still name UIDs stored before the rule', async () => {
    for (const value of ['.', '..']) assert.throws(() => uidParam(value, 'StudyInstanceUID'), BadRequestError);
    assert.equal(uidParam('1..2', 'StudyInstanceUID'), '1..2');
    const response = await fetch(`${ctx.baseUrl}/v2/studies?StudyInstanceUID=..`);
    assert.equal(response.status, 400);
  });
});
