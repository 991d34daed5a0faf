// A client that goes away mid-upload leaves nothing behind, and the server keeps serving.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { makeDicom, newUid } from '../support/dicomFactory';
import { multipartBody, multipartRelated } from '../support/multipartBody';
import { stowFiles } from '../support/stowClient';
import { useTestServer } from '../support/serverFixture';

describe('STOW-RS when the client disconnects', () => {
  const ctx = useTestServer();

  test('an upload cut off halfway is cleaned up; the same instance stores afterwards', async () => {
    const study = newUid();
    const file = makeDicom({ studyInstanceUid: study, pixelDataBytes: 8 * 1024 * 1024 });
    const body = multipartBody([{ body: file }], 'cut');
    const url = new URL(`${ctx.baseUrl}/v2/studies`);
    await new Promise<void>((resolve) => {
      const req = request(url, {
        method: 'POST',
        headers: { 'Content-Type': multipartRelated('cut'), 'Content-Length': body.length },
      });
      req.on('error', () => resolve());
      req.on('response', () => resolve());
      req.write(body.subarray(0, Math.floor(body.length / 2)), () => {
        // Give the server time to reserve the instance and start its upload, then vanish.
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 300);
      });
    });

    const deadline = Date.now() + 10_000;
    let leftovers: unknown[] = ['pending'];
    while (leftovers.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      leftovers = [
        ...(await ctx.probe.blobNames(`${study}/`)),
        ...(await ctx.probe.entities('Instances', `PartitionKey eq '${study}'`)),
      ];
    }
    assert.deepEqual(leftovers, [], 'no blob and no reservation remain');

    const retry = await stowFiles(`${ctx.baseUrl}/v2/studies`, [file]);
    assert.equal(retry.status, 200, retry.text);
  });
});
