// QIDO-RS routes: the six resources under /v1 and /v2, content negotiation, malformed path UIDs,
// and the tutorials' search requests with the tutorial files.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFixture, TUTORIAL } from '../support/fixtures';
import { useTestServer } from '../support/serverFixture';
import {
  DICOM_JSON,
  expectNone,
  OHIF_ACCEPT,
  results,
  search,
  storeAll,
  studyFiles,
  T,
  token,
  uidsOf,
  value,
} from './searchSupport';

describe('QIDO-RS routes', () => {
  const ctx = useTestServer();
  const tutorialFiles = [TUTORIAL.greenSquare, TUTORIAL.redTriangle, TUTORIAL.blueCircle];
  let storedTutorial: Promise<void> | undefined;
  const tutorial = () =>
    (storedTutorial ??= storeAll(
      ctx.baseUrl,
      tutorialFiles.map((t) => readFixture(t.file)),
    ));

  test("the tutorials' search requests find exactly the tutorial study, series and instance", async () => {
    await tutorial();
    const study = TUTORIAL.studyUid;
    const red = TUTORIAL.redTriangle;
    for (const version of ['v1', 'v2']) {
      const studies = await results(ctx.baseUrl, `/${version}/studies?StudyInstanceUID=${study}`);
      assert.deepEqual(uidsOf(studies, T.StudyInstanceUID), [study], version);
      assert.equal(value(studies[0], T.PatientName), 'Anony Mous');
      assert.equal(value(studies[0], T.PatientID), 'ID1');

      const series = await results(ctx.baseUrl, `/${version}/series?SeriesInstanceUID=${red.seriesUid}`);
      assert.deepEqual(uidsOf(series, T.SeriesInstanceUID), [red.seriesUid]);
      assert.equal(value(series[0], T.StudyInstanceUID), study);
      assert.equal(value(series[0], T.Modality), 'OT');

      const studySeries = await results(
        ctx.baseUrl,
        `/${version}/studies/${study}/series?SeriesInstanceUID=${red.seriesUid}`,
      );
      assert.deepEqual(uidsOf(studySeries, T.SeriesInstanceUID), [red.seriesUid]);
      assert.equal(value(studySeries[0], T.StudyInstanceUID), study);

      for (const path of [
        `/${version}/instances?SOPInstanceUID=${red.sopUid}`,
        `/${version}/studies/${study}/instances?SOPInstanceUID=${red.sopUid}`,
        `/${version}/studies/${study}/series/${red.seriesUid}/instances?SOPInstanceUID=${red.sopUid}`,
      ]) {
        const instances = await results(ctx.baseUrl, path);
        assert.deepEqual(uidsOf(instances, T.SOPInstanceUID), [red.sopUid], path);
        assert.equal(value(instances[0], T.StudyInstanceUID), study, path);
        assert.equal(value(instances[0], T.SeriesInstanceUID), red.seriesUid, path);
      }
    }
  });

  test('every resource without a filter lists what is under it', async () => {
    await tutorial();
    const study = TUTORIAL.studyUid;
    const green = TUTORIAL.greenSquare;
    const blue = TUTORIAL.blueCircle;
    const allSops = tutorialFiles.map((t) => t.sopUid).sort();
    const cases: [string, string, string[]][] = [
      [`/v2/studies/${study}/series`, T.SeriesInstanceUID, [green.seriesUid, blue.seriesUid].sort()],
      [`/v2/studies/${study}/instances`, T.SOPInstanceUID, allSops],
      [
        `/v2/studies/${study}/series/${green.seriesUid}/instances`,
        T.SOPInstanceUID,
        [green.sopUid, TUTORIAL.redTriangle.sopUid].sort(),
      ],
      [`/v2/studies/${study}/series/${blue.seriesUid}/instances`, T.SOPInstanceUID, [blue.sopUid]],
    ];
    for (const [path, tag, expected] of cases) {
      assert.deepEqual(uidsOf(await results(ctx.baseUrl, path), tag), expected, path);
    }
    for (const path of ['/v2/studies', '/v2/series', '/v2/instances', '/v1/studies']) {
      // Other tests add studies to this store; the tutorial's must be among the results.
      const found = await results(ctx.baseUrl, path);
      const tag = path.endsWith('studies')
        ? T.StudyInstanceUID
        : path.endsWith('series')
          ? T.SeriesInstanceUID
          : T.SOPInstanceUID;
      const expected = path.endsWith('studies')
        ? [study]
        : path.endsWith('series')
          ? [green.seriesUid, blue.seriesUid]
          : allSops;
      for (const uid of expected) assert.ok(uidsOf(found, tag).includes(uid), `${path} lists ${uid}`);
    }
  });

  test('a resource under a study that does not exist answers 204', async () => {
    const missing = '1.2.3.4.5.6.7.8.9';
    await expectNone(ctx.baseUrl, `/v2/studies/${missing}/series`);
    await expectNone(ctx.baseUrl, `/v2/studies/${missing}/instances`);
    await expectNone(ctx.baseUrl, `/v2/studies/${missing}/series/${missing}.1/instances`);
    await expectNone(ctx.baseUrl, `/v2/studies?StudyInstanceUID=${missing}`);
  });

  test('Accept: absent, */*, application/dicom+json and the OHIF list are served; application/dicom is 406', async () => {
    const id = `ROUTE-${token()}`;
    const { uids, files } = studyFiles({ patientId: id });
    await storeAll(ctx.baseUrl, files);
    const paths = [
      `/v2/studies?PatientID=${id}`,
      `/v2/series?PatientID=${id}`,
      `/v2/instances?PatientID=${id}`,
      `/v2/studies/${uids.study}/series`,
      `/v2/studies/${uids.study}/instances`,
      `/v2/studies/${uids.study}/series/${uids.series[0]}/instances`,
    ];
    const accepted: Record<string, string>[] = [{}, { Accept: '*/*' }, { Accept: DICOM_JSON }, { Accept: OHIF_ACCEPT }];
    for (const path of paths) {
      for (const headers of accepted) {
        const found = await results(ctx.baseUrl, path, headers);
        assert.equal(found.length, 1, `${path} ${JSON.stringify(headers)}`);
        assert.equal(value(found[0], T.StudyInstanceUID), uids.study, path);
      }
      const refused = await search(ctx.baseUrl, path, { Accept: 'application/dicom' });
      assert.equal(refused.status, 406, `${path}: ${refused.text}`);
    }
  });

  test('a malformed UID in the path is a 400 naming it', async () => {
    const good = '1.2.3';
    const cases: [string, string][] = [
      [`/v2/studies/not_a_uid/series`, 'StudyInstanceUID'],
      [`/v2/studies/a*b/instances`, 'StudyInstanceUID'],
      [`/v2/studies/${good}/series/${'9'.repeat(65)}/instances`, 'SeriesInstanceUID'],
      [`/v1/studies/x_y/series`, 'StudyInstanceUID'],
    ];
    for (const [path, name] of cases) {
      const reply = await search(ctx.baseUrl, path);
      assert.equal(reply.status, 400, `${path}: ${reply.status} ${reply.text}`);
      assert.match(reply.text, new RegExp(name), path);
    }
  });
});
