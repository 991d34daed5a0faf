// Instances converted to JPEG 2000 lossless (the compressed syntax Azure offers on retrieve),
// decoded by a reference decoder (pydicom with Pillow/OpenJPEG) to the source's pixels exactly.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { getString } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { ensurePydicom, pillowJ2kSamples, pydicomPixels } from '../support/pydicomReference';
import { useTestServer } from '../support/serverFixture';
import { frameOf, get, parseDicom, readParts, store, withUid } from './retrieveSupport';

const J2K_LOSSLESS = '1.2.840.10008.1.2.4.90';
const IN_CI = process.env.CI === 'true';

function url(baseUrl: string, file: Buffer): string {
  const { dataset } = parseDicom(file);
  const uid = (tag: string): string => getString(dataset, tag) ?? '';
  return `${baseUrl}/v2/studies/${uid(Tag.StudyInstanceUID)}/series/${uid(Tag.SeriesInstanceUID)}/instances/${uid(Tag.SOPInstanceUID)}`;
}

describe('WADO-RS: instances as JPEG 2000 lossless', () => {
  const ctx = useTestServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'j2k-'));
  const write = (name: string, bytes: Buffer): string => {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    return file;
  };

  test('native grey, colour and multi-frame sources, and a compressed one: the reference decoder gets the source pixels', async (t) => {
    const unavailable = await ensurePydicom();
    if (unavailable) {
      if (IN_CI) throw new Error(`CI needs the reference decoder: ${unavailable}`);
      t.skip(unavailable);
      return;
    }
    const sources: Array<[string, Buffer]> = [
      ['ct-signed', readFixture('pixels/ct-signed.dcm')],
      ['red-triangle', readFixture(TUTORIAL.redTriangle.file)],
      ['multiframe', readFixture('multiframe-native.dcm')],
    ];
    const jpegLs = readFixture('pixels/ct-12bit-jpeg-lossless.dcm');
    await store(ctx.baseUrl, ...sources.map(([, file]) => file));
    for (const [name, file] of sources) {
      const response = await get(url(ctx.baseUrl, file), {
        Accept: `application/dicom; transfer-syntax=${J2K_LOSSLESS}`,
      });
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, 200, `${name}: ${body.toString().slice(0, 200)}`);
      assert.equal(response.headers.get('content-type'), `application/dicom; transfer-syntax=${J2K_LOSSLESS}`);
      assert.equal(parseDicom(body).transferSyntaxUid, J2K_LOSSLESS);
      const expected = await pydicomPixels(write(`${name}-source.dcm`, file));
      const actual = await pydicomPixels(write(`${name}-j2k.dcm`, body));
      assert.ok(actual.equals(expected), `${name}: the JPEG 2000 file decodes to other pixels`);
    }
    // Native YBR pixels: the encoder would mislabel them (docs/rendered.md), so 406.
    const ybr = readFixture('pixels/ybr-full.dcm');
    await store(ctx.baseUrl, ybr);
    const refused = await get(url(ctx.baseUrl, ybr), { Accept: `application/dicom; transfer-syntax=${J2K_LOSSLESS}` });
    assert.equal(refused.status, 406);
    assert.match(await refused.text(), /JPEG 2000 encoding of native YBR_FULL pixels is not offered/);
    // A compressed source is decoded, then encoded; at series level in a multipart response.
    await store(ctx.baseUrl, jpegLs);
    const { dataset } = parseDicom(jpegLs);
    const series = `${ctx.baseUrl}/v2/studies/${getString(dataset, Tag.StudyInstanceUID) ?? ''}/series/${getString(dataset, Tag.SeriesInstanceUID) ?? ''}`;
    const response = await get(series, {
      Accept: `multipart/related; type="application/dicom"; transfer-syntax=${J2K_LOSSLESS}`,
    });
    assert.equal(response.status, 200);
    const [part] = await readParts(response);
    assert.equal(part?.contentType, `application/dicom; transfer-syntax=${J2K_LOSSLESS}`);
    const decoded = await pydicomPixels(write('jpegls-j2k.dcm', part?.body ?? Buffer.alloc(0)));
    assert.ok(decoded.equals(await pydicomPixels(write('ct-12bit.dcm', readFixture('pixels/ct-12bit.dcm')))));
  });

  test('frames as image/jp2 (multipart, Azure): JPEG 2000 code streams of the source frames', async (t) => {
    const unavailable = await ensurePydicom();
    if (unavailable) {
      if (IN_CI) throw new Error(`CI needs the reference decoder: ${unavailable}`);
      t.skip(unavailable);
      return;
    }
    const native = readFixture('multiframe-native.dcm');
    const stored = readFixture('multiframe-rle-bot.dcm');
    // The RLE copy shares its SOP Instance UID with the native source, stored by the test above.
    const sop = getString(parseDicom(stored).dataset, Tag.SOPInstanceUID) ?? '';
    const rle = withUid(stored, sop, `${sop.slice(0, -3)}777`);
    await store(ctx.baseUrl, rle);
    const response = await get(`${url(ctx.baseUrl, rle)}/frames/2,30`, {
      Accept: 'multipart/related; type="image/jp2"',
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^multipart\/related; type="image\/jp2"/);
    const parts = await readParts(response);
    assert.equal(parts.length, 2);
    for (const [i, frame] of [2, 30].entries()) {
      const part = parts[i];
      assert.equal(part?.contentType, `image/jp2; transfer-syntax=${J2K_LOSSLESS}`);
      // SOC and SIZ markers: a JPEG 2000 code stream.
      assert.equal(part?.body.readUInt32BE(0), 0xff4fff51);
      const samples = await pillowJ2kSamples(write(`frame-${frame}.j2k`, part?.body ?? Buffer.alloc(0)));
      assert.ok(samples.equals(frameOf(native, frame)), `frame ${frame} decodes to other pixels`);
    }
  });
});
