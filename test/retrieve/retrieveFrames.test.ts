// WADO-RS Retrieve Frames: native and encapsulated multi-frame instances, viewers' Accept headers, errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { makeDicom, newUid } from '../support/dicomFactory';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { frameOf, framesUrl, get, parseDicom, readParts, store, withUid } from './retrieveSupport';

const MULTIFRAME_UID = '2.25.329800735698586629295641978511506172938';
const OCTET_ANY = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';

const FIXTURES = {
  native: readFixture('multiframe-native.dcm'),
  jpeg: withUid(readFixture('multiframe-jpeg-bot.dcm'), MULTIFRAME_UID, MULTIFRAME_UID.replace(/938$/, '501')),
  fragmented: withUid(
    readFixture('multiframe-jpeg-nobot-fragmented.dcm'),
    MULTIFRAME_UID,
    MULTIFRAME_UID.replace(/938$/, '502'),
  ),
  rle: withUid(readFixture('multiframe-rle-nobot.dcm'), MULTIFRAME_UID, MULTIFRAME_UID.replace(/938$/, '503')),
};

describe('WADO-RS retrieve frames', () => {
  const ctx = useTestServer();

  test('the tutorials: frame 1 with their Accept headers', async () => {
    await store(ctx.baseUrl, readFixture(TUTORIAL.redTriangle.file), ...Object.values(FIXTURES));
    const file = readFixture(TUTORIAL.redTriangle.file);
    for (const accept of [
      'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1',
      OCTET_ANY,
      'multipart/related; type="application/octet-stream";',
    ]) {
      const response = await get(framesUrl(ctx.baseUrl, file, '1'), { Accept: accept });
      assert.equal(response.status, 200, accept);
      assert.match(response.headers.get('content-type') ?? '', /^multipart\/related; type="application\/octet-stream"/);
      const [part, ...rest] = await readParts(response);
      assert.equal(rest.length, 0);
      assert.match(part?.contentType ?? '', /^application\/octet-stream; transfer-syntax=/);
      assert.ok(part?.body.equals(frameOf(file, 1)), accept);
    }
  });

  test('native and encapsulated frames equal the bytes of that frame in the file', async () => {
    const cases = [
      [FIXTURES.native, '1.2.840.10008.1.2.1'],
      [FIXTURES.jpeg, '1.2.840.10008.1.2.4.50'],
      [FIXTURES.fragmented, '1.2.840.10008.1.2.4.50'],
      [FIXTURES.rle, '1.2.840.10008.1.2.5'],
    ] as const;
    for (const [file, syntax] of cases) {
      const response = await get(framesUrl(ctx.baseUrl, file, '1,5,30,5'), { Accept: OCTET_ANY });
      assert.equal(response.status, 200);
      // The frames' stored lengths are known before the first byte: the body's length is declared.
      const sent = Buffer.from(await response.clone().arrayBuffer());
      assert.equal(response.headers.get('content-length'), String(sent.length), syntax);
      const parts = await readParts(response);
      // The repeated 5 is served once, at its first position.
      assert.equal(parts.length, 3);
      for (const [i, frame] of [1, 5, 30].entries()) {
        assert.equal(parts[i]?.contentType, `application/octet-stream; transfer-syntax=${syntax}`);
        assert.ok(parts[i]?.body.equals(frameOf(file, frame)), `${syntax} frame ${frame}`);
      }
    }
    // The fragmented file really has frames of several fragments.
    const index = parseDicom(FIXTURES.fragmented).frames;
    assert.ok(index?.kind === 'fragments' && index.frameStarts && index.frameStarts.length < index.lengths.length);
  });

  test('Accept headers as viewers send them', async () => {
    const accepts = [
      // OHIF / cornerstone: unquoted type, transfer-syntax=* for compressed data.
      'multipart/related; type=application/octet-stream; transfer-syntax=*',
      // Several ranges with weights: the preferred one is not served, the next is.
      'multipart/related; type="image/jls"; q=1, multipart/related; type="application/octet-stream"; transfer-syntax=*; q=0.5',
      'application/octet-stream; transfer-syntax=*',
      '*/*',
    ];
    for (const accept of accepts) {
      const response = await get(framesUrl(ctx.baseUrl, FIXTURES.jpeg, '7'), { Accept: accept });
      assert.equal(response.status, 200, accept);
      const body = response.headers.get('content-type')?.startsWith('multipart')
        ? ((await readParts(response))[0]?.body ?? Buffer.alloc(0))
        : Buffer.from(await response.arrayBuffer());
      assert.ok(body.equals(frameOf(FIXTURES.jpeg, 7)), accept);
    }
    const single = await get(framesUrl(ctx.baseUrl, FIXTURES.native, '2'), {
      Accept: 'application/octet-stream; transfer-syntax=*',
    });
    assert.equal(single.headers.get('content-type'), 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
    assert.equal(single.headers.get('content-length'), String(frameOf(FIXTURES.native, 2).length));
    assert.ok(Buffer.from(await single.arrayBuffer()).equals(frameOf(FIXTURES.native, 2)));
  });

  test('errors: frame numbers, missing frames, no pixel data, unacceptable syntaxes', async () => {
    const noPixels = makeDicom();
    await store(ctx.baseUrl, noPixels);
    const cases: Array<[string, string, number, RegExp]> = [
      [framesUrl(ctx.baseUrl, FIXTURES.native, '0'), OCTET_ANY, 400, /greater than 0/],
      [framesUrl(ctx.baseUrl, FIXTURES.native, '1,a'), OCTET_ANY, 400, /frames value '1,a' is not valid/],
      [framesUrl(ctx.baseUrl, FIXTURES.native, '1,,2'), OCTET_ANY, 400, /not valid/],
      [framesUrl(ctx.baseUrl, FIXTURES.native, '-1'), OCTET_ANY, 400, /not valid/],
      [
        framesUrl(ctx.baseUrl, FIXTURES.native, '2,31'),
        OCTET_ANY,
        404,
        /frame cannot be found: frame 31 of an instance with 30/,
      ],
      [framesUrl(ctx.baseUrl, noPixels, '1'), OCTET_ANY, 404, /no pixel data/],
      [
        framesUrl(ctx.baseUrl, FIXTURES.jpeg, '1'),
        'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.4.90',
        406,
        /1\.2\.840\.10008\.1\.2\.4\.50 .*transfer-syntax=\*/,
      ],
      [framesUrl(ctx.baseUrl, FIXTURES.native, '1,2'), 'application/octet-stream; transfer-syntax=*', 406, /one frame/],
      [framesUrl(ctx.baseUrl, FIXTURES.native, '1'), 'application/dicom', 406, /not acceptable/],
      [
        framesUrl(ctx.baseUrl, FIXTURES.native, '1'),
        'multipart/related; type="image/jp2"; transfer-syntax=1.2.840.10008.1.2.4.91',
        406,
        /not acceptable/,
      ],
      [framesUrl(ctx.baseUrl, FIXTURES.native, '1'), 'image/jp2', 406, /not acceptable/],
      [
        `${ctx.baseUrl}/v2/studies/${TUTORIAL.studyUid}/series/${TUTORIAL.redTriangle.seriesUid}/instances/${newUid()}/frames/1`,
        OCTET_ANY,
        404,
        /instance cannot be found/,
      ],
      [`${ctx.baseUrl}/v2/studies/1/series/2/instances/3_/frames/1`, OCTET_ANY, 400, /SOPInstanceUID/],
    ];
    for (const [url, accept, status, body] of cases) {
      const response = await get(url, { Accept: accept });
      assert.equal(response.status, status, `${url} ${accept}`);
      assert.match(await response.text(), body, url);
    }
  });
});
