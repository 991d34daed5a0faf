// WADO-RS Retrieve Metadata: the tutorials' requests, ETag/304, gzip, documents kept in blobs, errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { getString } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import { makeDicom, newUid } from '../support/dicomFactory';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import { rawGet } from '../support/httpReply';
import { get, store } from './retrieveSupport';

const JSON_ACCEPT = { Accept: 'application/dicom+json' };
/** Image Comments (LT): a long text that pushes a metadata document into its blob. Not in `Tag`. */
const IMAGE_COMMENTS = '00204000';

async function metadata(url: string, headers: Record<string, string> = JSON_ACCEPT): Promise<DicomJsonDataset[]> {
  const response = await get(url, headers);
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(response.headers.get('content-type'), 'application/dicom+json');
  return (await response.json()) as DicomJsonDataset[];
}

describe('WADO-RS retrieve metadata', () => {
  const ctx = useTestServer();
  const studyUrl = () => `${ctx.baseUrl}/v2/studies/${TUTORIAL.studyUid}`;
  const seriesUrl = () => `${studyUrl()}/series/${TUTORIAL.redTriangle.seriesUid}`;
  const instanceUrl = () => `${seriesUrl()}/instances/${TUTORIAL.redTriangle.sopUid}`;

  test('the tutorials: study, series and instance metadata', async () => {
    const files = [TUTORIAL.greenSquare, TUTORIAL.redTriangle, TUTORIAL.blueCircle];
    await store(ctx.baseUrl, ...files.map((t) => readFixture(t.file)));
    const study = await metadata(`${studyUrl()}/metadata`);
    assert.deepEqual(study.map((d) => getString(d, Tag.SOPInstanceUID)).sort(), files.map((f) => f.sopUid).sort());
    for (const dataset of study) {
      assert.equal(getString(dataset, Tag.StudyInstanceUID), TUTORIAL.studyUid);
      assert.equal(dataset[Tag.PixelData], undefined, 'no bulk data');
    }
    assert.equal((await metadata(`${seriesUrl()}/metadata`)).length, 2);
    const [one, ...rest] = await metadata(`${instanceUrl()}/metadata`);
    assert.equal(rest.length, 0);
    assert.equal(getString(one ?? {}, Tag.SOPInstanceUID), TUTORIAL.redTriangle.sopUid);
    assert.equal((await metadata(`${ctx.baseUrl}/v1/studies/${TUTORIAL.studyUid}/metadata`)).length, 3);
  });

  test('ETag and If-None-Match: 304 until something under the level changes', async () => {
    const study = newUid();
    const series = newUid();
    const other = newUid();
    await store(ctx.baseUrl, makeDicom({ studyInstanceUid: study, seriesInstanceUid: series }));
    await store(ctx.baseUrl, makeDicom({ studyInstanceUid: study, seriesInstanceUid: other }));
    const urls = [
      `${ctx.baseUrl}/v2/studies/${study}/metadata`,
      `${ctx.baseUrl}/v2/studies/${study}/series/${series}/metadata`,
    ];
    const otherUrl = `${ctx.baseUrl}/v2/studies/${study}/series/${other}/metadata`;
    const etagOf = async (url: string) => {
      const response = await get(url, JSON_ACCEPT);
      await response.arrayBuffer();
      const etag = response.headers.get('etag');
      assert.ok(etag, 'an ETag on every metadata response');
      return etag;
    };
    const before = await Promise.all(urls.map(etagOf));
    const otherBefore = await etagOf(otherUrl);
    for (const [i, url] of urls.entries()) {
      const cached = await get(url, { ...JSON_ACCEPT, 'If-None-Match': before[i] ?? '' });
      assert.equal(cached.status, 304);
      assert.equal(cached.headers.get('etag'), before[i]);
      assert.equal((await cached.arrayBuffer()).byteLength, 0);
      const stale = await get(url, { ...JSON_ACCEPT, 'If-None-Match': '"something-else"' });
      assert.equal(stale.status, 200);
      await stale.arrayBuffer();
    }
    await store(ctx.baseUrl, makeDicom({ studyInstanceUid: study, seriesInstanceUid: series }));
    const after = await Promise.all(urls.map(etagOf));
    assert.notEqual(after[0], before[0], 'a store in the study changes its ETag');
    assert.notEqual(after[1], before[1], 'a store in the series changes its ETag');
    assert.equal(await etagOf(otherUrl), otherBefore, 'another series keeps its ETag');
    const fresh = await get(urls[1] ?? '', { ...JSON_ACCEPT, 'If-None-Match': before[1] ?? '' });
    assert.equal(fresh.status, 200);
    assert.equal(((await fresh.json()) as unknown[]).length, 2);
  });

  test('a series whose UID prefixes another one gets only its own instances', async () => {
    const study = newUid();
    const series = newUid();
    const longer = `${series}.1`;
    await store(ctx.baseUrl, makeDicom({ studyInstanceUid: study, seriesInstanceUid: series }));
    await store(ctx.baseUrl, makeDicom({ studyInstanceUid: study, seriesInstanceUid: longer }));
    for (const uid of [series, longer]) {
      const docs = await metadata(`${ctx.baseUrl}/v2/studies/${study}/series/${uid}/metadata`);
      assert.deepEqual(
        docs.map((d) => getString(d, Tag.SeriesInstanceUID)),
        [uid],
      );
    }
  });

  test('gzip when Accept-Encoding allows it', async () => {
    const url = `${studyUrl()}/metadata`;
    const plain = await rawGet(url, JSON_ACCEPT);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(String(plain.headers.vary), /Accept-Encoding/);
    const zipped = await rawGet(url, { ...JSON_ACCEPT, 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.match(String(zipped.headers.vary), /Accept-Encoding/);
    assert.deepEqual(JSON.parse(gunzipSync(zipped.body).toString('utf8')), JSON.parse(plain.body.toString('utf8')));
    const refused = await rawGet(url, { ...JSON_ACCEPT, 'Accept-Encoding': 'gzip;q=0, identity' });
    assert.equal(refused.headers['content-encoding'], undefined);
  });

  test('large documents kept in blobs come back in listing order with the inline ones', async () => {
    const study = newUid();
    const series = newUid();
    const long = 'x'.repeat(40_000);
    const sops = Array.from({ length: 24 }, () => newUid()).sort();
    const files = sops.map((sop, i) =>
      makeDicom({
        studyInstanceUid: study,
        seriesInstanceUid: series,
        sopInstanceUid: sop,
        // Every third instance has metadata too large for the entity.
        elements: i % 3 === 0 ? [{ tag: IMAGE_COMMENTS, vr: 'LT', value: long }] : [],
      }),
    );
    await store(ctx.baseUrl, ...files);
    const docs = await metadata(`${ctx.baseUrl}/v2/studies/${study}/series/${series}/metadata`);
    assert.deepEqual(
      docs.map((d) => getString(d, Tag.SOPInstanceUID)),
      sops,
    );
    assert.equal(docs[0]?.[IMAGE_COMMENTS]?.Value?.[0], long);
  });

  test('errors: not found, malformed UIDs, unacceptable media types', async () => {
    const missing = newUid();
    const cases: Array<[string, Record<string, string>, number, RegExp]> = [
      [`/v2/studies/${missing}/metadata`, JSON_ACCEPT, 404, /study cannot be found/],
      [`/v2/studies/${TUTORIAL.studyUid}/series/${missing}/metadata`, JSON_ACCEPT, 404, /series cannot be found/],
      [
        `/v2/studies/${TUTORIAL.studyUid}/series/${TUTORIAL.redTriangle.seriesUid}/instances/${missing}/metadata`,
        JSON_ACCEPT,
        404,
        /instance cannot be found/,
      ],
      [`/v2/studies/a_b/metadata`, JSON_ACCEPT, 400, /StudyInstanceUID 'a_b' is invalid/],
      [`/v2/studies/${TUTORIAL.studyUid}/metadata`, { Accept: 'application/dicom' }, 406, /application\/dicom\+json/],
    ];
    for (const [path, headers, status, body] of cases) {
      const response = await get(`${ctx.baseUrl}${path}`, headers);
      assert.equal(response.status, status, path);
      assert.match(await response.text(), body, path);
    }
    const anything = await get(`${studyUrl()}/metadata`, { Accept: '*/*' });
    assert.equal(anything.status, 200);
    await anything.arrayBuffer();
  });
});
