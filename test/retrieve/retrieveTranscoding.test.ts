// Implicit VR LE and Explicit VR BE files are converted on the fly when Explicit VR LE is asked for.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { getString } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { readFixture } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { frameOf, get, parseDicom, readParts, store, withUid } from './retrieveSupport';

const RICH_UID = '2.25.329800735698586629295641978511506172919';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

/** dcmdump (DCMTK), when installed, as a second opinion on the output. */
function dcmdumpAccepts(file: Buffer): boolean | undefined {
  try {
    execFileSync('dcmdump', ['--version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const target = path.join(mkdtempSync(path.join(tmpdir(), 'wado-')), 'out.dcm');
  writeFileSync(target, file);
  const dump = execFileSync('dcmdump', ['-E', target], { encoding: 'utf8' });
  return /Used TransferSyntax: Little Endian Explicit/.test(dump);
}

describe('WADO-RS transcoding to Explicit VR Little Endian', () => {
  const ctx = useTestServer();

  test('a series of implicit and big endian files, with the default Accept of the conformance statement', async () => {
    const implicit = withUid(readFixture('rich-implicit-le.dcm'), RICH_UID, RICH_UID.replace(/919$/, '601'));
    const bigEndian = withUid(readFixture('rich-explicit-be.dcm'), RICH_UID, RICH_UID.replace(/919$/, '602'));
    await store(ctx.baseUrl, implicit, bigEndian);
    const { dataset } = parseDicom(implicit);
    const study = getString(dataset, Tag.StudyInstanceUID) ?? '';
    const series = getString(dataset, Tag.SeriesInstanceUID) ?? '';
    const response = await get(`${ctx.baseUrl}/v2/studies/${study}/series/${series}`, {
      Accept: 'multipart/related; type="application/dicom"',
    });
    assert.equal(response.status, 200);
    const parts = await readParts(response);
    assert.equal(parts.length, 2);
    const expectedPixels = frameOf(readFixture('rich-explicit-le.dcm'), 1);
    const originals = new Map(
      [implicit, bigEndian].map((f) => [getString(parseDicom(f).dataset, Tag.SOPInstanceUID), f]),
    );
    for (const part of parts) {
      assert.equal(part.contentType, `application/dicom; transfer-syntax=${EXPLICIT_LE}`);
      const parsed = parseDicom(part.body);
      assert.equal(parsed.transferSyntaxUid, EXPLICIT_LE);
      const original = originals.get(getString(parsed.dataset, Tag.SOPInstanceUID));
      assert.ok(original, 'each part is one of the stored instances');
      assert.deepEqual(parsed.dataset, parseDicom(original).dataset);
      assert.ok(frameOf(part.body, 1).equals(expectedPixels), 'pixels in little endian');
      assert.notEqual(dcmdumpAccepts(part.body), false);
    }
  });

  test('a deflated file is inflated', async () => {
    const deflated = readFixture('rich-deflated.dcm');
    await store(ctx.baseUrl, deflated);
    const { dataset } = parseDicom(deflated);
    const url = `${ctx.baseUrl}/v2/studies/${getString(dataset, Tag.StudyInstanceUID) ?? ''}/series/${
      getString(dataset, Tag.SeriesInstanceUID) ?? ''
    }/instances/${getString(dataset, Tag.SOPInstanceUID) ?? ''}`;
    const response = await get(url, { Accept: 'application/dicom' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), `application/dicom; transfer-syntax=${EXPLICIT_LE}`);
    const body = Buffer.from(await response.arrayBuffer());
    const parsed = parseDicom(body, 1000);
    assert.equal(parsed.transferSyntaxUid, EXPLICIT_LE);
    assert.deepEqual(parsed.dataset, dataset);
    assert.ok(frameOf(body, 1).equals(frameOf(readFixture('rich-explicit-le.dcm'), 1)));
    assert.notEqual(dcmdumpAccepts(body), false);
  });

  test('a single instance in explicit syntax, and its frame with BE samples swapped', async () => {
    const bigEndian = withUid(readFixture('rich-explicit-be.dcm'), RICH_UID, RICH_UID.replace(/919$/, '603'));
    await store(ctx.baseUrl, bigEndian);
    const { dataset } = parseDicom(bigEndian);
    const url = `${ctx.baseUrl}/v2/studies/${getString(dataset, Tag.StudyInstanceUID) ?? ''}/series/${
      getString(dataset, Tag.SeriesInstanceUID) ?? ''
    }/instances/${getString(dataset, Tag.SOPInstanceUID) ?? ''}`;
    const response = await get(url, { Accept: `application/dicom; transfer-syntax=${EXPLICIT_LE}` });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-length'), null, 'the converted length is not known in advance');
    assert.equal(parseDicom(Buffer.from(await response.arrayBuffer())).transferSyntaxUid, EXPLICIT_LE);

    const frame = await get(`${url}/frames/1`, { Accept: `multipart/related; type="application/octet-stream"` });
    assert.equal(frame.status, 200);
    const [part] = await readParts(frame);
    assert.equal(part?.contentType, `application/octet-stream; transfer-syntax=${EXPLICIT_LE}`);
    assert.ok(part?.body.equals(frameOf(readFixture('rich-explicit-le.dcm'), 1)));
  });
});
