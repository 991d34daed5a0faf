// A client that goes away mid-response: the server stops and keeps serving others.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { get, readParts, store } from './retrieveSupport';

const ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*';

/** Reads the first bytes of a response, then destroys the connection; resolves with what arrived. */
function readFirstChunkThenDisconnect(url: string): Promise<{ status: number; received: number }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { Accept: ACCEPT } }, (res) => {
      res.once('data', (chunk: Buffer) => {
        request.destroy();
        resolve({ status: res.statusCode ?? 0, received: chunk.length });
      });
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
  });
}

describe('WADO-RS client disconnect', () => {
  const ctx = useTestServer();

  test('the first part leaves before the study is read, and a disconnect leaves the server healthy', async () => {
    const study = newUid();
    const series = newUid();
    // 12 instances of 2 MiB: far more than socket buffers hold, so the server is mid-stream when the client leaves.
    for (let i = 0; i < 12; i += 1) {
      await store(
        ctx.baseUrl,
        makeDicom({ studyInstanceUid: study, seriesInstanceUid: series, pixelDataBytes: 2 << 20 }),
      );
    }
    const url = `${ctx.baseUrl}/v2/studies/${study}`;
    for (let i = 0; i < 5; i += 1) {
      const first = await readFirstChunkThenDisconnect(url);
      assert.equal(first.status, 200);
      assert.ok(first.received > 0);
    }
    const response = await get(url, { Accept: ACCEPT });
    assert.equal(response.status, 200);
    const parts = await readParts(response);
    assert.equal(parts.length, 12);
    assert.ok(parts.every((p) => p.body.length > 2 << 20));
  });
});
