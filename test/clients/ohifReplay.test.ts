// OHIF Viewer 3.x's study list and study browser, replayed as it sends them (issue 14): a
// cross-origin GET of /studies with its includefield list (no counts in it) and of a study's
// series. OHIF shows "0" instances and "NaN" series unless the answers carry the counts, so they
// must be there without being asked for, and stay right as instances come and go.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { makeDicom } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import {
  httpDelete,
  OHIF_ACCEPT,
  search,
  storeAll,
  studyFiles,
  T,
  token,
  value,
  values,
} from '../search/searchSupport';

const ORIGIN = 'http://localhost:3000';
/** OHIF 3.x's study list: StudyDescription, Modality, ReferringPhysicianName, PatientBirthDate. */
const STUDY_LIST_FIELDS = 'includefield=00081030%2C00080060%2C00080090%2C00100030';
/** OHIF 3.x's series list of one study: SeriesDescription, SeriesNumber, SeriesDate, SeriesTime. */
const SERIES_FIELDS = 'includefield=0008103E%2C00200011%2C00080021%2C00080031';

describe('OHIF Viewer 3.x requests, replayed cross-origin', () => {
  const ctx = useTestServer({ env: { DICOM_CORS_ALLOWED_ORIGINS: ORIGIN } });
  const tok = token();
  const family = `Smith${tok}`;
  // Two series of different modalities: CT with two instances, MR with one.
  const { uids, files } = studyFiles(
    {
      patientName: `${family}^John`,
      patientId: `OHIF-${tok}`,
      studyDescription: 'Chest CT and MR',
      referringPhysicianName: 'Who^Referred',
      patientBirthDate: '19600101',
    },
    [
      { modality: 'CT', instances: 2 },
      { modality: 'MR', instances: 1 },
    ],
  );
  const [ctSeries = '', mrSeries = ''] = uids.series;

  before(async () => {
    await storeAll(ctx.baseUrl, files);
  });

  /** A GET as the viewer's browser sends it; the answer must be readable by the viewer's origin. */
  async function viewerGet(path: string): Promise<DicomJsonDataset[]> {
    const reply = await search(ctx.baseUrl, path, { Accept: OHIF_ACCEPT, Origin: ORIGIN });
    assert.equal(reply.status, 200, `${path}: ${reply.text}`);
    assert.equal(reply.headers.get('access-control-allow-origin'), ORIGIN, path);
    assert.ok(Array.isArray(reply.json), path);
    return reply.json;
  }

  const studyLists = () => [
    `/v2/studies?limit=101&offset=0&fuzzymatching=true&${STUDY_LIST_FIELDS}`,
    `/v2/studies?limit=101&offset=0&fuzzymatching=true&${STUDY_LIST_FIELDS}&PatientName=*${family.toLowerCase()}*`,
    `/v2/studies?limit=101&offset=0&fuzzymatching=true&${STUDY_LIST_FIELDS}&PatientName=${family.toLowerCase()}`,
  ];

  /** What the study list shows, checked on every shape of the list request. */
  async function assertStudyList(instances: number, modalities: readonly string[]): Promise<void> {
    for (const path of studyLists()) {
      const found = await viewerGet(path);
      const study = found.find((d) => value(d, T.StudyInstanceUID) === uids.study);
      assert.ok(study, `${path}: the study is listed`);
      assert.deepEqual(study[T.NumberOfStudyRelatedInstances], { vr: 'IS', Value: [instances] }, path);
      assert.deepEqual(study[T.NumberOfStudyRelatedSeries], { vr: 'IS', Value: [modalities.length] }, path);
      assert.deepEqual(values(study, T.ModalitiesInStudy), [...modalities], path);
      assert.equal(value(study, T.StudyDescription), 'Chest CT and MR', path);
      assert.equal(value(study, T.ReferringPhysicianName), 'Who^Referred', path);
      assert.equal(value(study, T.PatientBirthDate), '19600101', path);
      assert.equal(value(study, T.PatientName), `${family}^John`, path);
    }
  }

  /** What the study browser shows: each series with its instance count. */
  async function assertSeries(expected: ReadonlyMap<string, number>): Promise<void> {
    const found = await viewerGet(`/v2/studies/${uids.study}/series?${SERIES_FIELDS}`);
    const counts = new Map(
      found.map((d) => [value(d, T.SeriesInstanceUID), value(d, T.NumberOfSeriesRelatedInstances)]),
    );
    assert.deepEqual(counts, expected);
    for (const series of found) assert.equal(series[T.NumberOfSeriesRelatedInstances]?.vr, 'IS');
  }

  test('the study list and the series list carry the counts OHIF shows, unasked', async () => {
    await assertStudyList(3, ['CT', 'MR']);
    await assertSeries(
      new Map([
        [ctSeries, 2],
        [mrSeries, 1],
      ]),
    );
  });

  test('the counts follow a new instance and a deleted one', async () => {
    await storeAll(ctx.baseUrl, [
      makeDicom({
        studyInstanceUid: uids.study,
        seriesInstanceUid: ctSeries,
        patientName: `${family}^John`,
        patientId: `OHIF-${tok}`,
        modality: 'CT',
        elements: [
          { tag: T.StudyDescription, vr: 'LO', value: 'Chest CT and MR' },
          { tag: T.ReferringPhysicianName, vr: 'PN', value: 'Who^Referred' },
          { tag: T.PatientBirthDate, vr: 'DA', value: '19600101' },
        ],
      }),
    ]);
    await assertStudyList(4, ['CT', 'MR']);
    await assertSeries(
      new Map([
        [ctSeries, 3],
        [mrSeries, 1],
      ]),
    );

    const mrInstance = uids.sops[2];
    assert.equal(
      await httpDelete(`${ctx.baseUrl}/v2/studies/${uids.study}/series/${mrSeries}/instances/${mrInstance}`),
      204,
    );
    await assertStudyList(3, ['CT']);
    await assertSeries(new Map([[ctSeries, 3]]));
  });
});
