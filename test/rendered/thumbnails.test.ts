// Thumbnails at study, series and instance level, replayed as a viewer's study browser asks for
// them (cross-origin <img> requests: a browser Accept list, or the accept query parameter).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { get, store } from '../retrieve/retrieveSupport';
import { assertDominant, decodeImage } from './renderedSupport';

const ORIGIN = 'http://localhost:3000';
const IMG_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

describe('WADO-RS thumbnails', () => {
  const ctx = useTestServer({ env: { DICOM_CORS_ALLOWED_ORIGINS: ORIGIN } });
  const { studyUid, redTriangle, blueCircle } = TUTORIAL;

  test('study, series and instance thumbnails: small JPEGs of a representative frame, cacheable', async () => {
    await store(ctx.baseUrl, ...[redTriangle.file, TUTORIAL.greenSquare.file, blueCircle.file].map(readFixture));
    const base = `${ctx.baseUrl}/v2/studies/${studyUid}`;
    const cases: Array<[string, number | undefined]> = [
      [`${base}/thumbnail`, undefined],
      [`${base}/series/${blueCircle.seriesUid}/thumbnail`, 2],
      [`${base}/series/${redTriangle.seriesUid}/instances/${redTriangle.sopUid}/thumbnail`, 0],
      [`${base}/series/${blueCircle.seriesUid}/instances/${blueCircle.sopUid}/thumbnail?accept=image/jpeg`, 2],
    ];
    for (const [url, colour] of cases) {
      const response = await get(url, { Accept: IMG_ACCEPT, Origin: ORIGIN });
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, 200, `${url}: ${body.toString().slice(0, 200)}`);
      assert.equal(response.headers.get('content-type'), 'image/jpeg');
      assert.equal(response.headers.get('access-control-allow-origin'), ORIGIN);
      assert.match(response.headers.get('cache-control') ?? '', /max-age=\d+/);
      assert.ok(body.length < 8000, `${url}: ${body.length} bytes`);
      const image = await decodeImage(body);
      assert.equal(Math.max(image.width, image.height), 128, url);
      if (colour !== undefined) assertDominant(image.at(64, 70), colour, 80, url);
    }
    const viewport = await get(`${base}/series/${redTriangle.seriesUid}/thumbnail?viewport=256,256`);
    const large = await decodeImage(Buffer.from(await viewport.arrayBuffer()));
    assert.equal(large.width, 256);
  });

  test('a missing study or series is 404', async () => {
    const missing = `${TUTORIAL.studyUid.slice(0, -3)}999`;
    assert.equal((await get(`${ctx.baseUrl}/v2/studies/${missing}/thumbnail`)).status, 404);
    assert.equal((await get(`${ctx.baseUrl}/v2/studies/${studyUid}/series/${missing}/thumbnail`)).status, 404);
  });
});
