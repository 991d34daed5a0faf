// Retrieve Frames fan-out: a repeated frame is read once, the distinct-frame limit answers 400 naming it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_FRAMES_PER_REQUEST } from '../../shared/retrieve/frameList';
import { readFixture } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { frameOf, framesUrl, get, readParts, store } from './retrieveSupport';

const OCTET_ANY = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
const NATIVE = readFixture('multiframe-native.dcm');

describe('WADO-RS retrieve frames: fan-out limits', () => {
  const ctx = useTestServer();

  test('repeated frame numbers give one part per distinct frame, in first-occurrence order', async () => {
    await store(ctx.baseUrl, NATIVE);
    const repeated = await get(framesUrl(ctx.baseUrl, NATIVE, Array(2000).fill('1').join(',')), { Accept: OCTET_ANY });
    assert.equal(repeated.status, 200);
    const parts = await readParts(repeated);
    assert.equal(parts.length, 1);
    assert.ok(parts[0]?.body.equals(frameOf(NATIVE, 1)));

    const mixed = await get(framesUrl(ctx.baseUrl, NATIVE, '3,1,3,2,1'), { Accept: OCTET_ANY });
    const bodies = (await readParts(mixed)).map((part) => part.body);
    assert.equal(bodies.length, 3);
    [3, 1, 2].forEach((frame, i) => assert.ok(bodies[i]?.equals(frameOf(NATIVE, frame)), `part ${i}`));

    // One distinct frame may be asked for as a single application/octet-stream body.
    const single = await get(framesUrl(ctx.baseUrl, NATIVE, '2,2'), {
      Accept: 'application/octet-stream; transfer-syntax=*',
    });
    assert.equal(single.status, 200);
    assert.ok(Buffer.from(await single.arrayBuffer()).equals(frameOf(NATIVE, 2)));
  });

  test('more distinct frames than the limit: 400 stating the limit', async () => {
    const list = Array.from({ length: MAX_FRAMES_PER_REQUEST + 1 }, (_, i) => i + 1).join(',');
    const response = await get(framesUrl(ctx.baseUrl, NATIVE, list), { Accept: OCTET_ANY });
    assert.equal(response.status, 400);
    assert.match(await response.text(), new RegExp(`at most ${MAX_FRAMES_PER_REQUEST} are served per request`));
  });
});
