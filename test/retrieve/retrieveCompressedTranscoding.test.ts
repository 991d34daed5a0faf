// Compressed instances and frames decoded to Explicit VR Little Endian: exact pixels for lossless
// sources (the native file each fixture was made from; scripts/make-pixel-fixtures.sh checked that
// DCMTK's or pydicom's decode of it gives those pixels), close ones for lossy sources.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NativeCodecs, Transcoder } from 'dcmjs-codecs';
import { getString } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { readFixture } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { frameOf, get, parseDicom, readParts, store, withUid } from './retrieveSupport';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const HTJ2K_LOSSLESS = '1.2.840.10008.1.2.4.201';

/** Fixture, the native file holding its exact pixels, the syntax it is stored in. */
const LOSSLESS: ReadonlyArray<readonly [string, string, string]> = [
  ['ct-signed-jpeg-ls.dcm', 'ct-signed.dcm', '1.2.840.10008.1.2.4.80'],
  ['ct-signed-rle.dcm', 'ct-signed.dcm', '1.2.840.10008.1.2.5'],
  ['ct-signed-jpeg-lossless-sv1.dcm', 'ct-signed.dcm', '1.2.840.10008.1.2.4.70'],
  ['ct-12bit-jpeg-lossless.dcm', 'ct-12bit.dcm', '1.2.840.10008.1.2.4.57'],
  ['ct-12bit-j2k.dcm', 'ct-12bit.dcm', '1.2.840.10008.1.2.4.90'],
  ['ybr-full-rle.dcm', 'ybr-full.dcm', '1.2.840.10008.1.2.5'],
];

/** Lossy fixtures and their reference decode (DCMTK's, or the native source for JPEG 2000), with a tolerance. */
const LOSSY: ReadonlyArray<readonly [string, string, number]> = [
  ['ct-12bit-jpeg-ls-near.dcm', 'ct-12bit-jpeg-ls-near.decoded.dcm', 0],
  ['ct-12bit-jpeg-extended.dcm', 'ct-12bit-jpeg-extended.decoded.dcm', 1],
  ['ct-12bit-j2k-lossy.dcm', 'ct-12bit.dcm', 64],
];

function uidsOf(file: Buffer): { study: string; series: string; sop: string } {
  const { dataset } = parseDicom(file);
  return {
    study: getString(dataset, Tag.StudyInstanceUID) ?? '',
    series: getString(dataset, Tag.SeriesInstanceUID) ?? '',
    sop: getString(dataset, Tag.SOPInstanceUID) ?? '',
  };
}

/** Each fixture under its own SOP Instance UID (the variants of one source share theirs). */
function distinct(name: string, n: number): Buffer {
  const file = readFixture(`pixels/${name}`);
  const { sop } = uidsOf(file);
  return withUid(file, sop, `${sop.slice(0, -3)}${String(500 + n)}`);
}

function url(baseUrl: string, file: Buffer): string {
  const { study, series, sop } = uidsOf(file);
  return `${baseUrl}/v2/studies/${study}/series/${series}/instances/${sop}`;
}

function samples(bytes: Buffer, bits: number): number[] {
  const out: number[] = [];
  for (let at = 0; at + bits / 8 <= bytes.length; at += bits / 8)
    out.push(bits === 16 ? bytes.readInt16LE(at) : (bytes[at] ?? 0));
  return out;
}

describe('WADO-RS: compressed pixels decoded to Explicit VR Little Endian', () => {
  const ctx = useTestServer();
  const lossless = LOSSLESS.map(([name], n) => distinct(name, n));
  const lossy = LOSSY.map(([name], n) => distinct(name, 10 + n));

  test('every lossless syntax: the instance and its frame have the source pixels exactly', async () => {
    await store(ctx.baseUrl, ...lossless, ...lossy);
    for (const [n, [name, source, syntax]] of LOSSLESS.entries()) {
      const file = lossless[n] as Buffer;
      assert.equal(parseDicom(file).transferSyntaxUid, syntax, name);
      const expected = frameOf(readFixture(`pixels/${source}`), 1);

      const instance = await get(url(ctx.baseUrl, file), { Accept: 'application/dicom' });
      assert.equal(instance.status, 200, `${name}: ${await instance.clone().text()}`);
      assert.equal(instance.headers.get('content-type'), `application/dicom; transfer-syntax=${EXPLICIT_LE}`);
      const body = Buffer.from(await instance.arrayBuffer());
      const parsed = parseDicom(body);
      assert.equal(parsed.transferSyntaxUid, EXPLICIT_LE, name);
      assert.equal(getString(parsed.dataset, Tag.SOPInstanceUID), uidsOf(file).sop);
      assert.ok(frameOf(body, 1).equals(expected), `${name}: instance pixels differ from the source's`);

      const frame = await get(`${url(ctx.baseUrl, file)}/frames/1`, { Accept: 'application/octet-stream' });
      assert.equal(frame.status, 200, name);
      assert.equal(frame.headers.get('content-type'), `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`);
      assert.ok(
        Buffer.from(await frame.arrayBuffer()).equals(expected),
        `${name}: frame pixels differ from the source's`,
      );

      // As stored, still: the original bytes and syntax.
      const original = await get(url(ctx.baseUrl, file), { Accept: 'application/dicom; transfer-syntax=*' });
      assert.equal(original.headers.get('content-type'), `application/dicom; transfer-syntax=${syntax}`);
      await original.arrayBuffer();
    }
  });

  test('lossy syntaxes decode close to the reference decoder', async () => {
    for (const [n, [name, reference, tolerance]] of LOSSY.entries()) {
      const file = lossy[n] as Buffer;
      const response = await get(`${url(ctx.baseUrl, file)}/frames/1`, {
        Accept: 'multipart/related; type="application/octet-stream"',
      });
      assert.equal(response.status, 200, name);
      const [part] = await readParts(response);
      assert.equal(part?.contentType, `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`);
      const actual = samples(part?.body ?? Buffer.alloc(0), 16);
      const expected = samples(frameOf(readFixture(`pixels/${reference}`), 1), 16);
      assert.equal(actual.length, expected.length, name);
      const worst = Math.max(...actual.map((value, i) => Math.abs(value - (expected[i] ?? 0))));
      assert.ok(
        worst <= tolerance,
        `${name}: a sample is ${worst} away from the reference decode (tolerance ${tolerance})`,
      );
    }
  });

  test('a multi-frame RLE series: every frame decoded, in order, in a multipart response', async () => {
    const native = readFixture('multiframe-native.dcm');
    const rle = readFixture('multiframe-rle-bot.dcm');
    await store(ctx.baseUrl, rle);
    const response = await get(`${url(ctx.baseUrl, rle)}/frames/3,1,30`, {
      Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1',
    });
    assert.equal(response.status, 200);
    const parts = await readParts(response);
    assert.deepEqual(
      parts.map((part) => part.body.equals(frameOf(native, [3, 1, 30][parts.indexOf(part)] ?? 0))),
      [true, true, true],
    );
    // The series level, with Azure's default Accept: each instance converted.
    const { study, series } = uidsOf(rle);
    const whole = await get(`${ctx.baseUrl}/v2/studies/${study}/series/${series}`, {
      Accept: 'multipart/related; type="application/dicom"',
    });
    assert.equal(whole.status, 200);
    const [instance] = await readParts(whole);
    assert.equal(instance?.contentType, `application/dicom; transfer-syntax=${EXPLICIT_LE}`);
    assert.ok(frameOf(instance?.body ?? Buffer.alloc(0), 30).equals(frameOf(native, 30)));
  });

  test('HTJ2K lossless (no reference encoder here: encoded by the codec library in the test) round-trips', async () => {
    await NativeCodecs.initializeAsync();
    const native = distinct('ct-12bit.dcm', 60);
    const transcoder = new Transcoder(new Uint8Array(native).buffer);
    transcoder.transcode(HTJ2K_LOSSLESS);
    const file = Buffer.from(transcoder.getDicomPart10());
    assert.equal(parseDicom(file).transferSyntaxUid, HTJ2K_LOSSLESS);
    await store(ctx.baseUrl, file);
    const frame = await get(`${url(ctx.baseUrl, file)}/frames/1`, { Accept: 'application/octet-stream' });
    assert.equal(frame.status, 200);
    assert.equal(frame.headers.get('content-type'), `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`);
    assert.ok(Buffer.from(await frame.arrayBuffer()).equals(frameOf(native, 1)));
  });

  test('JPEG baseline frames decode as DCMTK decodes them', async () => {
    const jpeg = readFixture('multiframe-jpeg-bot.dcm');
    const reference = readFixture('pixels/multiframe-jpeg-bot.decoded.dcm');
    // The RLE test above stored the native source's UIDs; this copy gets its own SOP Instance UID.
    const sop = uidsOf(jpeg).sop;
    const file = withUid(jpeg, sop, `${sop.slice(0, -3)}888`);
    await store(ctx.baseUrl, file);
    const response = await get(`${url(ctx.baseUrl, file)}/frames/1,15,30`, {
      Accept: 'multipart/related; type="application/octet-stream"',
    });
    assert.equal(response.status, 200);
    const parts = await readParts(response);
    for (const [i, frame] of [1, 15, 30].entries()) {
      assert.ok(parts[i]?.body.equals(frameOf(reference, frame)), `frame ${frame} differs from dcmdjpeg's`);
    }
  });

  test('every attribute of a rich dataset survives the conversion (only the syntax and pixels change)', async () => {
    const rich = readFixture('pixels/rich-rle.dcm');
    await store(ctx.baseUrl, rich);
    const response = await get(url(ctx.baseUrl, rich), { Accept: 'application/dicom' });
    const body = Buffer.from(await response.arrayBuffer());
    assert.equal(response.status, 200, body.toString().slice(0, 300));
    const converted = parseDicom(body);
    assert.equal(converted.transferSyntaxUid, EXPLICIT_LE);
    assert.deepEqual(converted.dataset, parseDicom(readFixture('rich-explicit-le.dcm')).dataset);
    assert.ok(frameOf(body, 1).equals(frameOf(readFixture('rich-explicit-le.dcm'), 1)));
  });

  test('a conversion the server does not offer is 406; a frame past the end is 404', async () => {
    const file = lossless[0] as Buffer;
    const toJpeg = await get(url(ctx.baseUrl, file), {
      Accept: 'application/dicom; transfer-syntax=1.2.840.10008.1.2.4.50',
    });
    assert.equal(toJpeg.status, 406);
    const missing = await get(`${url(ctx.baseUrl, file)}/frames/2`, { Accept: 'application/octet-stream' });
    assert.equal(missing.status, 404);
  });
});
