// QIDO-RS paging: limit and offset walk every result exactly once, past the end is 204, and the
// default limit is 100.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { expectNone, results, resultsOrNone, sorted, storeInBatches, T, token, uidsOf, value } from './searchSupport';

describe('QIDO-RS paging', () => {
  const ctx = useTestServer();
  const pid = `PAGE-${token()}`;
  const studies = Array.from({ length: 25 }, () => newUid());
  const big = { study: newUid(), series: newUid(), sops: Array.from({ length: 105 }, () => newUid()) };

  before(async () => {
    const studyFiles = studies.map((study) => makeDicom({ studyInstanceUid: study, patientId: pid, modality: 'CT' }));
    const bigFiles = big.sops.map((sop) =>
      makeDicom({ studyInstanceUid: big.study, seriesInstanceUid: big.series, sopInstanceUid: sop, patientId: 'BIG' }),
    );
    await Promise.all([storeInBatches(ctx.baseUrl, studyFiles), storeInBatches(ctx.baseUrl, bigFiles, 27, 4)]);
  });

  /** Every page of `path` (with `limit` appended) until a 204; returns the pages' UIDs. */
  async function walk(path: string, tag: string, limit: number): Promise<string[][]> {
    const pages: string[][] = [];
    const joiner = path.includes('?') ? '&' : '?';
    for (let offset = 0; pages.length < 50; offset += limit) {
      const page = await resultsOrNone(ctx.baseUrl, `${path}${joiner}limit=${limit}&offset=${offset}`);
      if (page.length === 0) return pages;
      assert.ok(page.length <= limit, `a page holds at most ${limit}`);
      pages.push(page.map((d) => String(value(d, tag))));
    }
    assert.fail('the walk did not end');
  }

  test('pages of 10 over 25 matching studies return each exactly once', async () => {
    const pages = await walk(`/v2/studies?PatientID=${pid}`, T.StudyInstanceUID, 10);
    assert.deepEqual(
      pages.map((p) => p.length),
      [10, 10, 5],
    );
    const all = pages.flat();
    assert.equal(new Set(all).size, 25, 'no study twice');
    assert.deepEqual(sorted(all), sorted(studies));
  });

  test('the same walk driven by a substring index, over all series, and with no filter at all', async () => {
    const byModality = await walk(
      `/v2/studies?ModalitiesInStudy=CT&PatientID=*${pid.slice(5)}`,
      T.StudyInstanceUID,
      10,
    );
    assert.deepEqual(sorted(byModality.flat()), sorted(studies));
    const everything = await walk('/v2/studies', T.StudyInstanceUID, 7);
    const uids = everything.flat();
    assert.equal(new Set(uids).size, uids.length, 'no study twice');
    assert.deepEqual(sorted(uids), sorted([...studies, big.study]));
    const series = await walk(`/v2/series?PatientID=${pid}`, T.SeriesInstanceUID, 6);
    assert.equal(new Set(series.flat()).size, 25);
  });

  test('an offset at or past the end is 204; a limit larger than what is left returns the rest', async () => {
    await expectNone(ctx.baseUrl, `/v2/studies?PatientID=${pid}&offset=25`);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientID=${pid}&offset=1000&limit=5`);
    const rest = await results(ctx.baseUrl, `/v2/studies?PatientID=${pid}&offset=20&limit=200`);
    assert.equal(rest.length, 5);
    const one = await results(ctx.baseUrl, `/v2/studies?PatientID=${pid}&limit=1`);
    assert.equal(one.length, 1);
  });

  test('the default limit is 100', async () => {
    const paths = [
      `/v2/studies/${big.study}/instances`,
      `/v2/studies/${big.study}/series/${big.series}/instances`,
      '/v2/instances?PatientID=BIG',
    ];
    for (const path of paths) {
      const first = await results(ctx.baseUrl, path);
      assert.equal(first.length, 100, path);
      const joiner = path.includes('?') ? '&' : '?';
      const rest = await results(ctx.baseUrl, `${path}${joiner}offset=100`);
      assert.equal(rest.length, 5, path);
      const all = await results(ctx.baseUrl, `${path}${joiner}limit=200`);
      assert.deepEqual(uidsOf(all, T.SOPInstanceUID), sorted(big.sops), path);
      assert.deepEqual(
        sorted([...uidsOf(first, T.SOPInstanceUID), ...uidsOf(rest, T.SOPInstanceUID)]),
        sorted(big.sops),
        `${path}: the default page and the rest make up the whole`,
      );
    }
  });
});
