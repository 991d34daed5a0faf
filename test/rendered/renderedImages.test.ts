// Rendered instances and frames (JPEG, PNG), checked by decoding the returned image and reading
// its pixels where the source has known colours or values.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { frameOf, get, parseDicom, store, withUid } from '../retrieve/retrieveSupport';
import { assertColour, assertDominant, decodeImage, instanceUrl } from './renderedSupport';

const PNG = { Accept: 'image/png' };

function rgbAt(file: Buffer, x: number, y: number): [number, number, number] {
  const columns = 985;
  const pixels = frameOf(file, 1);
  const i = (y * columns + x) * 3;
  return [pixels[i] ?? -1, pixels[i + 1] ?? -1, pixels[i + 2] ?? -1];
}

async function render(url: string, headers: Record<string, string> = {}): Promise<Buffer> {
  const response = await get(url, headers);
  const body = Buffer.from(await response.arrayBuffer());
  assert.equal(response.status, 200, `${url}: ${body.toString().slice(0, 300)}`);
  return body;
}

describe('WADO-RS rendered', () => {
  const ctx = useTestServer();
  const tutorial = [TUTORIAL.redTriangle.file, TUTORIAL.greenSquare.file, TUTORIAL.blueCircle.file].map(readFixture);
  // The tutorial's blue circle as JPEG baseline, YBR_FULL_422 (its own SOP Instance UID).
  const blueJpeg = withUid(
    readFixture('jpeg-baseline.dcm'),
    TUTORIAL.blueCircle.sopUid,
    `${TUTORIAL.blueCircle.sopUid.slice(0, -1)}9`,
  );
  const pixels = (name: string): Buffer => readFixture(`pixels/${name}`);

  test('the tutorial images: the right colour at the right place, as JPEG and PNG', async () => {
    await store(ctx.baseUrl, ...tutorial, blueJpeg);
    const [red, green, blue] = tutorial as [Buffer, Buffer, Buffer];
    const points: Array<[number, number]> = [
      [492, 550],
      [20, 20],
      [960, 950],
      [492, 300],
      [300, 700],
    ];
    for (const [file, centre] of [
      [red, 0],
      [green, 1],
      [blue, 2],
    ] as const) {
      const url = `${instanceUrl(ctx.baseUrl, file)}/rendered`;
      const jpeg = await get(url);
      assert.equal(jpeg.headers.get('content-type'), 'image/jpeg');
      const fromJpeg = await decodeImage(Buffer.from(await jpeg.arrayBuffer()));
      const fromPng = await decodeImage(await render(url, PNG));
      assert.equal(fromPng.width, 985);
      assert.equal(fromPng.height, 979);
      assertDominant(fromPng.at(492, 550), centre, 80, 'the centre is the shape');
      for (const [x, y] of points) {
        assert.deepEqual(fromPng.at(x, y), rgbAt(file, x, y), `PNG pixel ${x},${y} is the source's`);
        assertColour(fromJpeg.at(x, y), rgbAt(file, x, y), 12, `JPEG pixel ${x},${y}`);
      }
    }
    // The JPEG-compressed blue circle (YBR_FULL_422) decodes to the same picture.
    const compressed = await decodeImage(await render(`${instanceUrl(ctx.baseUrl, blueJpeg)}/rendered`, PNG));
    for (const [x, y] of points)
      assertColour(compressed.at(x, y), rgbAt(blue, x, y), 12, `JPEG-stored pixel ${x},${y}`);
  });

  test('a CT renders with its window; window= overrides it; every compressed copy renders the same', async () => {
    const names = [
      'ct-signed.dcm',
      'ct-signed-jpeg-ls.dcm',
      'ct-signed-rle.dcm',
      'ct-signed-jpeg-lossless-sv1.dcm',
      'ct-12bit.dcm',
      'ct-12bit-jpeg-lossless.dcm',
      'ct-12bit-j2k.dcm',
      'ct-12bit-jpeg-ls-near.dcm',
      'ct-12bit-jpeg-extended.dcm',
      'ct-12bit-j2k-lossy.dcm',
    ];
    // The variants of one source share a SOP Instance UID: each is stored under its own.
    const files = names.map((name, n) => {
      const file = pixels(name);
      const sop = parseDicom(file).dataset['00080018']?.Value?.[0] as string;
      return withUid(file, sop, `${sop.slice(0, -2)}${String(40 + n)}`);
    });
    await store(ctx.baseUrl, ...files);
    for (const [n, file] of files.entries()) {
      const lossy = names[n]?.includes('near') || names[n]?.includes('extended') || names[n]?.includes('lossy');
      const image = await decodeImage(await render(`${instanceUrl(ctx.baseUrl, file)}/rendered`, PNG));
      assert.equal(image.width, 64, names[n]);
      // Left: 40 to 52 HU, the window's centre (40/400): mid grey. Top right -1000 HU: black. Bottom right 1000 HU: white.
      const [left] = image.at(10, 10);
      assert.ok(left >= 120 && left <= 140, `${names[n]}: mid grey, got ${left}`);
      assert.ok(image.at(50, 10)[0] <= (lossy ? 8 : 0), `${names[n]}: black`);
      assert.ok(image.at(50, 50)[0] >= (lossy ? 247 : 255), `${names[n]}: white`);
    }
    // window=1000,100: only the bright quadrant is inside it.
    const windowed = await decodeImage(
      await render(`${instanceUrl(ctx.baseUrl, files[0] as Buffer)}/rendered?window=1000,100,linear`, PNG),
    );
    assert.equal(windowed.at(10, 10)[0], 0);
    assert.ok(
      windowed.at(50, 50)[0] > 100 && windowed.at(50, 50)[0] < 200,
      `bright quadrant ${windowed.at(50, 50)[0]}`,
    );
  });

  test('MONOCHROME1, PALETTE COLOR and YBR_FULL (native and RLE)', async () => {
    const files = ['mono1.dcm', 'palette.dcm', 'ybr-full.dcm'].map(pixels);
    const rle = pixels('ybr-full-rle.dcm');
    const sop = parseDicom(rle).dataset['00080018']?.Value?.[0] as string;
    const ybrRle = withUid(rle, sop, `${sop.slice(0, -2)}77`);
    await store(ctx.baseUrl, ...files, ybrRle);
    const [mono1, palette, ybr] = await Promise.all(
      files.map(async (file) => decodeImage(await render(`${instanceUrl(ctx.baseUrl, file)}/rendered`, PNG))),
    );
    // MONOCHROME1: the lowest value is white.
    assertColour(mono1?.at(4, 4) ?? [0, 0, 0], [255, 255, 255], 4, 'MONOCHROME1 low value (2 in 0..246)');
    assertColour(mono1?.at(28, 4) ?? [0, 0, 0], [0, 0, 0], 8, 'MONOCHROME1 high value (240 in 0..246)');
    assertColour(palette?.at(4, 4) ?? [0, 0, 0], [255, 0, 0], 0, 'palette index 0');
    assertColour(palette?.at(28, 4) ?? [0, 0, 0], [0, 255, 0], 0, 'palette index 1');
    const ybrFromRle = await decodeImage(await render(`${instanceUrl(ctx.baseUrl, ybrRle)}/rendered`, PNG));
    for (const image of [ybr, ybrFromRle]) {
      assertColour(image?.at(4, 4) ?? [0, 0, 0], [255, 0, 0], 2, 'YBR_FULL left');
      assertColour(image?.at(28, 4) ?? [0, 0, 0], [0, 0, 255], 2, 'YBR_FULL right');
    }
  });

  test('multi-frame: each frame renders its own pixels; the instance renders frame 1; bad frame numbers', async () => {
    const file = readFixture('multiframe-jpeg-bot.dcm');
    const native = readFixture('multiframe-native.dcm');
    await store(ctx.baseUrl, file);
    const url = instanceUrl(ctx.baseUrl, file);
    const grey = (frame: number, x: number, y: number): number => frameOf(native, frame)[y * 64 + x] ?? -1;
    // The fixture has no window: each frame is rendered over its own pixel range.
    for (const frame of [1, 17, 30]) {
      const image = await decodeImage(await render(`${url}/frames/${frame}/rendered`, PNG));
      assert.equal(image.width, 64);
      // Brighter where the source is brighter (JPEG baseline source: an ordering check, not values).
      const dark = image.at(0, 0)[0];
      const bright = image.at(40, 40)[0];
      assert.equal(grey(frame, 40, 40) > grey(frame, 0, 0), bright > dark, `frame ${frame}`);
    }
    const instance = await render(`${url}/rendered`, PNG);
    assert.ok(instance.equals(await render(`${url}/frames/1/rendered`, PNG)), 'instance rendered = frame 1');
    assert.equal((await get(`${url}/frames/31/rendered`)).status, 404);
    assert.equal((await get(`${url}/frames/0/rendered`)).status, 400);
    assert.equal((await get(`${url}/frames/1,2/rendered`)).status, 400);
  });

  test('Accept, quality and viewport', async () => {
    const url = `${instanceUrl(ctx.baseUrl, tutorial[0] as Buffer)}/rendered`;
    // A browser's Accept list (Azure answers 406) and an <img> tag's both get JPEG.
    for (const accept of ['image/webp,image/apng,image/*,*/*;q=0.8', 'image/avif,image/webp,*/*', '*/*']) {
      const response = await get(url, { Accept: accept });
      assert.equal(response.status, 200, accept);
      assert.equal(response.headers.get('content-type'), 'image/jpeg', accept);
      await response.arrayBuffer();
    }
    assert.equal(
      (await get(url, { Accept: 'image/png;q=0.9, image/jpeg;q=0.5' })).headers.get('content-type'),
      'image/png',
    );
    assert.equal((await get(url, { Accept: 'application/dicom' })).status, 406);
    for (const quality of ['0', '101', 'abc', '5.5']) {
      const response = await get(`${url}?quality=${quality}`);
      assert.equal(response.status, 400, quality);
      assert.match(await response.text(), /Image quality must be between 1 and 100 inclusive/);
    }
    const low = await render(`${url}?quality=10`);
    const high = await render(`${url}?quality=100`);
    assert.ok(low.length < high.length, `quality=10 (${low.length} bytes) is smaller than 100 (${high.length})`);
    const small = await decodeImage(await render(`${url}?viewport=100,50`, PNG));
    assert.ok(small.width <= 100 && small.height === 50, `fits 100x50: ${small.width}x${small.height}`);
    assertDominant(small.at(Math.floor(small.width / 2), 28), 0, 80, 'still red in the middle');
    for (const bad of ['window=1,0', 'window=a,b', 'window=40,400,sigmoid', 'viewport=0,10', 'viewport=10']) {
      assert.equal((await get(`${url}?${bad}`)).status, 400, bad);
    }
  });
});
