// QIDO-RS after changes: deletes at each level, re-stores, concurrent stores and deletes in one
// study, and gzip on large answers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import {
  DICOM_JSON,
  expectNone,
  httpDelete,
  rawGet,
  results,
  resultsOrNone,
  sorted,
  storeAll,
  studyFiles,
  T,
  token,
  uidsOf,
  value,
  values,
} from './searchSupport';

const AGGREGATES = 'includefield=NumberOfStudyRelatedInstances,NumberOfStudyRelatedSeries,ModalitiesInStudy';

describe('QIDO-RS consistency', () => {
  const ctx = useTestServer();

  async function studyRow(study: string): Promise<DicomJsonDataset | undefined> {
    const found = await results(ctx.baseUrl, `/v2/studies?StudyInstanceUID=${study}&${AGGREGATES}`);
    assert.equal(found.length, 1);
    return found[0];
  }

  async function assertCounts(study: string, instances: number, series: number, modalities: string[]) {
    const row = await studyRow(study);
    assert.equal(Number(value(row, T.NumberOfStudyRelatedInstances)), instances, 'NumberOfStudyRelatedInstances');
    assert.equal(Number(value(row, T.NumberOfStudyRelatedSeries)), series, 'NumberOfStudyRelatedSeries');
    assert.deepEqual(values(row, T.ModalitiesInStudy), modalities, 'ModalitiesInStudy');
  }

  const instanceUrl = (study: string, series: string, sop: string) =>
    `${ctx.baseUrl}/v2/studies/${study}/series/${series}/instances/${sop}`;

  test('deleting instances updates counts and modalities; the last one takes the study away', async () => {
    const pid = `DEL-I-${token()}`;
    const { uids, files } = studyFiles({ patientId: pid }, [
      { modality: 'CT', instances: 2 },
      { modality: 'MR', instances: 1 },
    ]);
    await storeAll(ctx.baseUrl, files);
    const [ct = '', mr = ''] = uids.series;
    const [ct1 = '', ct2 = '', mr1 = ''] = uids.sops;
    await assertCounts(uids.study, 3, 2, ['CT', 'MR']);

    assert.equal(await httpDelete(instanceUrl(uids.study, ct, ct1)), 204);
    await expectNone(ctx.baseUrl, `/v2/instances?SOPInstanceUID=${ct1}`);
    await expectNone(ctx.baseUrl, `/v2/studies/${uids.study}/instances?SOPInstanceUID=${ct1}`);
    await assertCounts(uids.study, 2, 2, ['CT', 'MR']);
    const ctSeries = await results(
      ctx.baseUrl,
      `/v2/series?SeriesInstanceUID=${ct}&includefield=NumberOfSeriesRelatedInstances`,
    );
    assert.equal(Number(value(ctSeries[0], T.NumberOfSeriesRelatedInstances)), 1);

    assert.equal(await httpDelete(instanceUrl(uids.study, mr, mr1)), 204);
    await assertCounts(uids.study, 1, 1, ['CT']);
    await expectNone(ctx.baseUrl, `/v2/series?PatientID=${pid}&Modality=MR`);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientID=${pid}&ModalitiesInStudy=MR`);
    await expectNone(ctx.baseUrl, `/v2/studies/${uids.study}/series?SeriesInstanceUID=${mr}`);
    assert.deepEqual(
      uidsOf(await results(ctx.baseUrl, `/v2/studies?PatientID=${pid}&ModalitiesInStudy=CT`), T.StudyInstanceUID),
      [uids.study],
    );
    assert.deepEqual(uidsOf(await results(ctx.baseUrl, `/v2/instances?PatientID=${pid}`), T.SOPInstanceUID), [ct2]);

    assert.equal(await httpDelete(instanceUrl(uids.study, ct, ct2)), 204);
    await expectNone(ctx.baseUrl, `/v2/studies?StudyInstanceUID=${uids.study}`);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientID=${pid}`);
    await expectNone(ctx.baseUrl, `/v2/series?PatientID=${pid}`);
    await expectNone(ctx.baseUrl, `/v2/instances?PatientID=${pid}`);
    await expectNone(ctx.baseUrl, `/v2/studies/${uids.study}/series`);
    await expectNone(ctx.baseUrl, `/v2/studies/${uids.study}/instances`);
    const listed = await resultsOrNone(ctx.baseUrl, '/v2/studies?limit=200');
    assert.equal(uidsOf(listed, T.StudyInstanceUID).includes(uids.study), false, 'not in the list of all studies');
  });

  test('deleting a series, then the study; storing again makes it searchable again', async () => {
    const pid = `DEL-S-${token()}`;
    const { uids, files } = studyFiles({ patientId: pid, patientName: 'Gone^Again' }, [
      { modality: 'CT', instances: 2 },
      { modality: 'PT', instances: 2 },
    ]);
    await storeAll(ctx.baseUrl, files);
    const [ct = '', pt = ''] = uids.series;
    assert.equal(await httpDelete(`${ctx.baseUrl}/v2/studies/${uids.study}/series/${pt}`), 204);
    await assertCounts(uids.study, 2, 1, ['CT']);
    await expectNone(ctx.baseUrl, `/v2/series?SeriesInstanceUID=${pt}`);
    await expectNone(ctx.baseUrl, `/v2/studies/${uids.study}/series/${pt}/instances`);
    await expectNone(ctx.baseUrl, `/v2/instances?SOPInstanceUID=${uids.sops[2]},${uids.sops[3]}`);
    assert.deepEqual(uidsOf(await results(ctx.baseUrl, `/v2/studies/${uids.study}/series`), T.SeriesInstanceUID), [ct]);

    assert.equal(await httpDelete(`${ctx.baseUrl}/v2/studies/${uids.study}`), 204);
    await expectNone(ctx.baseUrl, `/v2/studies?StudyInstanceUID=${uids.study}`);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientName=gone^again`);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientName=gon&fuzzymatching=true`);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientID=*${pid.slice(6)}*`);
    await expectNone(ctx.baseUrl, `/v2/series?SeriesInstanceUID=${ct}`);
    await expectNone(ctx.baseUrl, `/v2/instances?SOPInstanceUID=${uids.sops[0]}`);

    // The same files again: found by every route, with the counts of what is stored now.
    await storeAll(ctx.baseUrl, files.slice(0, 3));
    await assertCounts(uids.study, 3, 2, ['CT', 'PT']);
    assert.deepEqual(uidsOf(await results(ctx.baseUrl, `/v2/studies?PatientName=gone^again`), T.StudyInstanceUID), [
      uids.study,
    ]);
    assert.deepEqual(
      uidsOf(await results(ctx.baseUrl, `/v2/instances?SOPInstanceUID=${uids.sops[0]}`), T.SOPInstanceUID),
      [uids.sops[0]],
    );
    assert.deepEqual(
      uidsOf(await results(ctx.baseUrl, `/v2/instances?PatientID=${pid}`), T.SOPInstanceUID),
      sorted(uids.sops.slice(0, 3)),
    );
  });

  test('20 concurrent single-instance stores into one study count 20', async () => {
    const study = newUid();
    const series = newUid();
    const pid = `PAR-${token()}`;
    const sops = Array.from({ length: 20 }, () => newUid());
    await Promise.all(
      sops.map((sop) =>
        storeAll(ctx.baseUrl, [
          makeDicom({
            studyInstanceUid: study,
            seriesInstanceUid: series,
            sopInstanceUid: sop,
            patientId: pid,
            modality: 'MR',
          }),
        ]),
      ),
    );
    await assertCounts(study, 20, 1, ['MR']);
    const series1 = await results(
      ctx.baseUrl,
      `/v2/studies/${study}/series?includefield=NumberOfSeriesRelatedInstances`,
    );
    assert.equal(Number(value(series1[0], T.NumberOfSeriesRelatedInstances)), 20);
    assert.deepEqual(
      uidsOf(await results(ctx.baseUrl, `/v2/instances?PatientID=${pid}`), T.SOPInstanceUID),
      sorted(sops),
    );
  });

  test('concurrent stores and deletes of different instances in one study end with the right counts', async () => {
    const study = newUid();
    const [ct, us] = [newUid(), newUid()];
    const pid = `MIX-${token()}`;
    const file = (series: string, sop: string, modality: string) =>
      makeDicom({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop, patientId: pid, modality });
    const first = Array.from({ length: 10 }, () => newUid());
    await storeAll(
      ctx.baseUrl,
      first.map((sop) => file(ct, sop, 'CT')),
    );
    const deleted = first.slice(0, 5);
    const added = Array.from({ length: 6 }, () => newUid());
    await Promise.all([
      ...deleted.map(async (sop) => assert.equal(await httpDelete(instanceUrl(study, ct, sop)), 204)),
      ...added.map((sop) => storeAll(ctx.baseUrl, [file(us, sop, 'US')])),
    ]);
    const expected = [...first.slice(5), ...added];
    await assertCounts(study, 11, 2, ['CT', 'US']);
    assert.deepEqual(
      uidsOf(await results(ctx.baseUrl, `/v2/studies/${study}/instances`), T.SOPInstanceUID),
      sorted(expected),
    );
    assert.deepEqual(
      uidsOf(await results(ctx.baseUrl, `/v2/instances?PatientID=${pid}`), T.SOPInstanceUID),
      sorted(expected),
    );
    // Now delete the rest of the CT series concurrently: CT leaves the study's modalities.
    await Promise.all(
      first.slice(5).map(async (sop) => assert.equal(await httpDelete(instanceUrl(study, ct, sop)), 204)),
    );
    await assertCounts(study, 6, 1, ['US']);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientID=${pid}&ModalitiesInStudy=CT`);
  });

  test('Accept-Encoding: gzip on a large answer', async () => {
    const pid = `GZ-${token()}`;
    const { files } = studyFiles({ patientId: pid, studyDescription: 'A description long enough to matter' }, [
      { modality: 'CT', instances: 30 },
    ]);
    await storeAll(ctx.baseUrl, files);
    const url = `${ctx.baseUrl}/v2/instances?PatientID=${pid}&includefield=all`;
    const plain = await rawGet(url, { Accept: DICOM_JSON });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    const zipped = await rawGet(url, { Accept: DICOM_JSON, 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(zipped.status, 200);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers['content-type'], DICOM_JSON);
    assert.match(String(zipped.headers.vary), /Accept-Encoding/i);
    assert.ok(zipped.body.length < plain.body.length, 'compressed is smaller');
    const unzipped = JSON.parse(gunzipSync(zipped.body).toString('utf8')) as DicomJsonDataset[];
    assert.equal(unzipped.length, 30);
    assert.deepEqual(unzipped, JSON.parse(plain.body.toString('utf8')));
  });
});
