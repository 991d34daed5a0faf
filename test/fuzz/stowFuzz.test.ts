// Damaged uploads over HTTP (issue 13): whatever a client sends to STOW-RS, the answer is never a
// 5xx, and the server keeps answering.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { makeDicom } from '../support/dicomFactory';
import { mutatedFile } from '../support/hostileInputs';
import { multipartBody, multipartRelated } from '../support/multipartBody';
import { post } from '../support/stowClient';
import { useTestServer } from '../support/serverFixture';

const RUNS = 300;
const BASE_FILE = makeDicom({ pixelDataBytes: 1024 });

const damagedFile = mutatedFile(BASE_FILE, { maxFlips: 16, maxNoise: 0 });

describe('STOW-RS with damaged uploads', () => {
  const ctx = useTestServer();

  test('no 5xx for any damaged file, single or in multipart', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(damagedFile, fc.boolean(), async (file, asMultipart) => {
        const boundary = 'fuzz-boundary';
        const result = asMultipart
          ? await post(`${ctx.baseUrl}/v2/studies`, multipartBody([{ body: file }], boundary), {
              'Content-Type': multipartRelated(boundary),
            })
          : await post(`${ctx.baseUrl}/v2/studies`, file, { 'Content-Type': 'application/dicom' });
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        assert.ok(result.status < 500, `${result.status}: ${result.text.slice(0, 300)}`);
      }),
      { numRuns: RUNS, seed: 20261206 },
    );
    // Both outcomes were exercised: some damaged files still store, most are refused.
    assert.ok(
      [...statuses.keys()].some((s) => s >= 400),
      JSON.stringify([...statuses]),
    );
    assert.equal((await fetch(`${ctx.baseUrl}/health`)).status, 200);
  });
});
