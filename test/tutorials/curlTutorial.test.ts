// The cURL tutorial (../shared/seeds/tutorial-curl.*.md) in its order, with its exact headers:
// store, retrieve, search and delete, and that what was deleted can no longer be found.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backgroundDeletesSettled } from '../../shared/delete/backgroundDeletes';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { multipartBody } from '../support/multipartBody';
import { useTestServer } from '../support/serverFixture';

const STUDY = TUTORIAL.studyUid;
const SERIES = TUTORIAL.redTriangle.seriesUid; // green-square and red-triangle
const RED = TUTORIAL.redTriangle.sopUid;

describe('the cURL tutorial, request by request', () => {
  const ctx = useTestServer();
  const base = () => `${ctx.baseUrl}/v1`;

  async function call(method: string, path: string, headers: Record<string, string>, body?: Buffer) {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers,
      body: body ? new Uint8Array(body) : undefined,
    });
    return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
  }

  function form(file: string): { body: Buffer; contentType: string } {
    const boundary = '------------------------0123456789abcdef';
    return {
      body: multipartBody(
        [{ body: readFixture(file), formDataName: 'file1', contentType: 'application/dicom' }],
        boundary,
      ),
      contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
    };
  }

  test('store: multipart/related, study-scoped, single instance', async () => {
    const red = form(TUTORIAL.redTriangle.file);
    const stored = await call(
      'POST',
      '/studies',
      { Accept: 'application/dicom+json', 'Content-Type': red.contentType },
      red.body,
    );
    assert.equal(stored.status, 200, stored.body);
    const blue = form(TUTORIAL.blueCircle.file);
    const scoped = await call(
      'POST',
      `/studies/${STUDY}`,
      { Accept: 'application/dicom+json', 'Content-Type': blue.contentType },
      blue.body,
    );
    assert.equal(scoped.status, 200, scoped.body);
    const single = await call(
      'POST',
      '/studies',
      { Accept: 'application/dicom+json', 'Content-Type': 'application/dicom' },
      readFixture(TUTORIAL.greenSquare.file),
    );
    assert.equal(single.status, 200, single.body);
  });

  test('retrieve: study, metadata, series, instance, frames', async () => {
    const anyDicom = { Accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' };
    const study = await call('GET', `/studies/${STUDY}`, anyDicom);
    assert.equal(study.status, 200);
    assert.match(study.contentType ?? '', /^multipart\/related/);
    const metadata = await call('GET', `/studies/${STUDY}/metadata`, { Accept: 'application/dicom+json' });
    assert.equal(metadata.status, 200);
    assert.equal((JSON.parse(metadata.body) as unknown[]).length, 3);
    assert.equal((await call('GET', `/studies/${STUDY}/series/${SERIES}`, anyDicom)).status, 200);
    const seriesMetadata = await call('GET', `/studies/${STUDY}/series/${SERIES}/metadata`, {
      Accept: 'application/dicom+json',
    });
    assert.equal((JSON.parse(seriesMetadata.body) as unknown[]).length, 2);
    const instance = await call('GET', `/studies/${STUDY}/series/${SERIES}/instances/${RED}`, {
      Accept: 'application/dicom; transfer-syntax=*',
    });
    assert.equal(instance.status, 200);
    assert.match(instance.contentType ?? '', /^application\/dicom/);
    const instanceMetadata = await call('GET', `/studies/${STUDY}/series/${SERIES}/instances/${RED}/metadata`, {
      Accept: 'application/dicom+json',
    });
    assert.equal(instanceMetadata.status, 200);
    const frames = await call('GET', `/studies/${STUDY}/series/${SERIES}/instances/${RED}/frames/1`, {
      Accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1',
    });
    assert.equal(frames.status, 200);
  });

  test('search: studies, series, series of a study, instances at every scope', async () => {
    const json = { Accept: 'application/dicom+json' };
    const uids = async (path: string, tag: string) => {
      const reply = await call('GET', path, json);
      assert.equal(reply.status, 200, `${path}: ${reply.body}`);
      assert.equal(reply.contentType, 'application/dicom+json');
      return (JSON.parse(reply.body) as Record<string, { Value?: string[] }>[]).map((d) => d[tag]?.Value?.[0]);
    };
    const STUDY_TAG = '0020000D';
    const SERIES_TAG = '0020000E';
    const SOP_TAG = '00080018';
    assert.deepEqual(await uids(`/studies?StudyInstanceUID=${STUDY}`, STUDY_TAG), [STUDY]);
    assert.deepEqual(await uids(`/series?SeriesInstanceUID=${SERIES}`, SERIES_TAG), [SERIES]);
    assert.deepEqual(await uids(`/studies/${STUDY}/series?SeriesInstanceUID=${SERIES}`, SERIES_TAG), [SERIES]);
    assert.deepEqual(await uids(`/instances?SOPInstanceUID=${RED}`, SOP_TAG), [RED]);
    assert.deepEqual(await uids(`/studies/${STUDY}/instances?SOPInstanceUID=${RED}`, SOP_TAG), [RED]);
    assert.deepEqual(await uids(`/studies/${STUDY}/series/${SERIES}/instances?SOPInstanceUID=${RED}`, SOP_TAG), [RED]);
  });

  test('delete: instance, series, study; each is gone from retrieve at once', async () => {
    const instancePath = `/studies/${STUDY}/series/${SERIES}/instances/${RED}`;
    assert.equal((await call('DELETE', instancePath, {})).status, 204);
    assert.equal((await call('GET', `${instancePath}/metadata`, { Accept: 'application/dicom+json' })).status, 404);
    const seriesMetadata = await call('GET', `/studies/${STUDY}/series/${SERIES}/metadata`, {
      Accept: 'application/dicom+json',
    });
    assert.equal((JSON.parse(seriesMetadata.body) as unknown[]).length, 1, 'green-square remains');

    assert.equal((await call('DELETE', `/studies/${STUDY}/series/${SERIES}`, {})).status, 204);
    assert.equal(
      (
        await call('GET', `/studies/${STUDY}/series/${SERIES}`, {
          Accept: 'multipart/related; type="application/dicom"',
        })
      ).status,
      404,
    );

    assert.equal((await call('DELETE', `/studies/${STUDY}`, {})).status, 204);
    assert.equal((await call('GET', `/studies/${STUDY}/metadata`, { Accept: 'application/dicom+json' })).status, 404);
    const search = await call('GET', `/studies?StudyInstanceUID=${STUDY}`, { Accept: 'application/dicom+json' });
    assert.equal(search.status, 204, 'a deleted study is not found by search either');
    assert.equal((await call('DELETE', `/studies/${STUDY}`, {})).status, 404, 'nothing left to delete');
  });

  test('a deleted instance can be stored again and retrieved', async () => {
    // Until its blobs are gone (just after the 204) a store of it answers 45071.
    await backgroundDeletesSettled();
    const red = form(TUTORIAL.redTriangle.file);
    const stored = await call('POST', '/studies', { 'Content-Type': red.contentType }, red.body);
    assert.equal(stored.status, 200, stored.body);
    const instance = await call('GET', `/studies/${STUDY}/series/${SERIES}/instances/${RED}`, {
      Accept: 'application/dicom; transfer-syntax=*',
    });
    assert.equal(instance.status, 200);
  });
});
