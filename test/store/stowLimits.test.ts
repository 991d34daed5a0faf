// Request-size and header limits: 413 before anything is read, a clear failure for oversized headers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom } from '../support/dicomFactory';
import { firstValue, post, sequence, stowFiles } from '../support/stowClient';
import { useTestServer } from '../support/serverFixture';

describe('STOW-RS limits', () => {
  const ctx = useTestServer({ env: { DICOM_MAX_REQUEST_BYTES: '3000000', DICOM_MAX_HEADER_BYTES: '8192' } });

  test('a Content-Length over the limit is 413 before the body is read', async () => {
    const result = await stowFiles(`${ctx.baseUrl}/v2/studies`, [makeDicom({ pixelDataBytes: 3_100_000 })]);
    assert.equal(result.status, 413, result.text);
    assert.match(result.text, /limit/);
  });

  test('a chunked body that grows past the limit is 413', async () => {
    const file = makeDicom({ pixelDataBytes: 3_100_000 });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < file.length; offset += 16_384) {
          controller.enqueue(new Uint8Array(file.subarray(offset, offset + 16_384)));
        }
        controller.close();
      },
    });
    const response = await fetch(`${ctx.baseUrl}/v2/studies`, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/dicom' },
      duplex: 'half',
    } as RequestInit);
    assert.equal(response.status, 413, await response.text());
  });

  test('identifying attributes beyond the header limit fail the instance with 43264', async () => {
    // 2 MB of private bulk data before the UIDs: it arrives in many chunks, each past the 8 KiB limit.
    const padding = { tag: '00091010', vr: 'OB', value: Buffer.alloc(2_000_000) };
    const result = await stowFiles(`${ctx.baseUrl}/v2/studies`, [makeDicom({ elements: [padding] })]);
    assert.equal(result.status, 409, result.text);
    const failed = sequence(result.json, Tag.FailedSOPSequence)[0];
    assert.equal(firstValue(failed, Tag.FailureReason), 43264);
  });

  test('a small instance within the limits stores', async () => {
    const result = await post(`${ctx.baseUrl}/v2/studies`, makeDicom(), { 'Content-Type': 'application/dicom' });
    assert.equal(result.status, 200, result.text);
  });
});
