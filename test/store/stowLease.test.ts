// A store's lease is renewed while its upload streams: an upload that outlasts several leases
// keeps its instance (a competing store answers 45071, never takes it over) and completes.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom } from '../support/dicomFactory';
import { readReply } from '../support/httpReply';
import { multipartBody, multipartRelated } from '../support/multipartBody';
import { useTestServer } from '../support/serverFixture';
import { firstValue, sequence, stowFiles } from '../support/stowClient';
import { newInstanceKey } from '../support/storeAttempts';

/** The shortest lease the settings allow, so the upload can outlast two of them quickly. */
const LEASE_SECONDS = 10;
const UPLOAD_MS = 2.3 * LEASE_SECONDS * 1000;
const CHUNKS = 23;

describe('STOW-RS lease renewal', () => {
  const ctx = useTestServer({ env: { DICOM_STORE_LEASE_SECONDS: String(LEASE_SECONDS) } });

  test('an upload slower than two leases keeps its reservation and is stored', async () => {
    const key = newInstanceKey();
    const file = makeDicom({ ...key, pixelDataBytes: CHUNKS * 4096 });
    const body = multipartBody([{ body: file }], 'slow');
    // No Content-Length: the host streams the body to the app as it arrives (docs/functions-host.md).
    const req = request(new URL(`${ctx.baseUrl}/v2/studies`), {
      method: 'POST',
      headers: { 'Content-Type': multipartRelated('slow'), Accept: 'application/dicom+json' },
    });
    const answer = new Promise<Response>((resolve, reject) => {
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0 })));
      });
    });
    // The head goes first (the instance is reserved), then the rest a piece at a time.
    const headBytes = 2048;
    req.write(body.subarray(0, headBytes));
    const rest = body.subarray(headBytes);
    const pieceBytes = Math.ceil(rest.length / CHUNKS);
    const competitors: number[] = [];
    const started = Date.now();
    for (let i = 0; i < CHUNKS; i++) {
      await sleep(UPLOAD_MS / CHUNKS);
      req.write(rest.subarray(i * pieceBytes, (i + 1) * pieceBytes));
      const elapsed = Date.now() - started;
      // After one lease and after two, the reservation would have run out without renewals.
      if (competitors.length < Math.min(2, Math.floor(elapsed / (LEASE_SECONDS * 1000 + 500)))) {
        const competing = await stowFiles(`${ctx.baseUrl}/v2/studies`, [file]);
        assert.equal(competing.status, 409, competing.text);
        competitors.push(Number(firstValue(sequence(competing.json, Tag.FailedSOPSequence)[0], Tag.FailureReason)));
      }
    }
    req.end();
    const reply = await readReply(await answer);
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(competitors, [45071, 45071], 'the slow store held its instance through two leases');

    const retrieved = await fetch(
      `${ctx.baseUrl}/v2/studies/${key.studyInstanceUid}/series/${key.seriesInstanceUid}/instances/${key.sopInstanceUid}`,
      { headers: { Accept: 'application/dicom; transfer-syntax=*' } },
    );
    const expected = Buffer.from(file);
    expected.fill(0, 0, 128);
    assert.ok(Buffer.from(await retrieved.arrayBuffer()).equals(expected), 'the slow upload is what is stored');
  });
});
