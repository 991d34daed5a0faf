// QIDO-RS cost (X-Search-Cost, DICOM_SEARCH_COST_HEADER=true): an indexed search reads its index
// entries and one summary read per result (an entry is a pointer; the summary holds the counts,
// returned by default), so an exact search reads a small constant number of entities whatever the
// store holds, fuzzy and substring searches read in proportion to their matches, and only an
// unfiltered walk reads in proportion to the store.
// The tests run in order: the last one grows the store and expects the earlier costs again.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { costOf, search, storeInBatches, T, token, uidsOf, type SearchCostHeader } from './searchSupport';

const FILLERS = 30;

describe('QIDO-RS search cost', () => {
  const ctx = useTestServer({ env: { DICOM_SEARCH_COST_HEADER: 'true' } });
  const tok = token();
  const word = `Zed${tok}`;
  const exact = { study: newUid(), pid: `EXACT-${tok}`, series: newUid(), sop: newUid() };
  /** Studies whose patient name has a word starting `Zed{tok}`. */
  const named = Array.from({ length: 4 }, () => newUid());
  let fillerCount = 0;
  /** Path → the cost measured before the store grew, and the study UIDs expected. */
  const measuredBefore = new Map<string, { cost: SearchCostHeader; expected: readonly string[] }>();

  /** `count` one-instance studies that match none of the searches below. */
  function fillers(count: number): Buffer[] {
    return Array.from({ length: count }, () => {
      fillerCount += 1;
      return makeDicom({
        patientName: `Filler^Person${fillerCount}`,
        patientId: `FILL-${tok}-${fillerCount}`,
        modality: 'CT',
      });
    });
  }

  before(async () => {
    await storeInBatches(ctx.baseUrl, [
      makeDicom({
        studyInstanceUid: exact.study,
        seriesInstanceUid: exact.series,
        sopInstanceUid: exact.sop,
        patientId: exact.pid,
        patientName: 'Exact^Target',
      }),
      ...named.map((study, i) =>
        makeDicom({ studyInstanceUid: study, patientName: `${word}^Anna${i}`, patientId: `FZ-${tok}-${i}` }),
      ),
      ...fillers(FILLERS),
    ]);
  });

  /** Searches, checks the matched study UIDs, returns the cost. */
  async function measured(path: string, expected: readonly string[]): Promise<SearchCostHeader> {
    const reply = await search(ctx.baseUrl, path);
    const cost = costOf(reply);
    if (expected.length === 0) assert.equal(reply.status, 204, reply.text);
    else {
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(uidsOf(reply.json ?? [], T.StudyInstanceUID), [...expected].sort(), path);
    }
    measuredBefore.set(path, { cost, expected });
    return cost;
  }

  test('the cost header is there on 204 answers too', async () => {
    const none = await search(ctx.baseUrl, `/v2/studies?PatientID=NOBODY-${tok}`);
    assert.equal(none.status, 204);
    const cost = costOf(none);
    assert.ok(cost.requests >= 1, 'the index was asked');
    assert.ok(cost.entities <= 1, `${cost.entities} entities`);
  });

  test('exact PatientID and StudyInstanceUID matches read a constant few entities', async () => {
    const paths = [
      `/v2/studies?PatientID=${exact.pid}`,
      `/v2/studies?PatientID=${exact.pid.toLowerCase()}`,
      `/v2/studies?StudyInstanceUID=${exact.study}`,
    ];
    for (const path of paths) {
      const cost = await measured(path, [exact.study]);
      // The index entry and the study row; a study UID needs no index (its row is the lookup).
      const expected = path.includes('StudyInstanceUID') ? { requests: 1, entities: 1 } : { requests: 2, entities: 2 };
      assert.deepEqual(cost, expected, path);
    }
  });

  test('exact series and instance UID searches read a constant few entities', async () => {
    // The index entry, then the study and series rows in one query.
    const seriesCost = await measured(`/v2/series?SeriesInstanceUID=${exact.series}`, [exact.study]);
    assert.deepEqual(seriesCost, { requests: 2, entities: 3 }, 'series');
    // The same, and the instance row.
    const instanceCost = await measured(`/v2/instances?SOPInstanceUID=${exact.sop}`, [exact.study]);
    assert.deepEqual(instanceCost, { requests: 3, entities: 4 }, 'instance');
  });

  test('fuzzy and *substring* name searches read in proportion to the matches', async () => {
    const paths = [
      `/v2/studies?PatientName=${word.toLowerCase()}&fuzzymatching=true`,
      `/v2/studies?PatientName=ann%20${word.toLowerCase()}&fuzzymatching=true`,
      `/v2/studies?PatientName=*${tok.toLowerCase()}*`,
    ];
    for (const path of paths) {
      const cost = await measured(path, named);
      // One index query, and per match its entry and a point read of its study row.
      assert.deepEqual(cost, { requests: 1 + named.length, entities: 2 * named.length }, path);
    }
  });

  test('control: a search no index serves reads every study, so the header does measure', async () => {
    const reply = await search(ctx.baseUrl, '/v2/studies?PatientName=*&limit=200');
    assert.equal(reply.status, 200);
    const listed = reply.json?.length ?? 0;
    assert.equal(listed, 1 + named.length + FILLERS);
    const cost = costOf(reply);
    assert.ok(cost.entities >= listed, `a walk reads at least one entity per study: ${JSON.stringify(cost)}`);
  });

  test('a page reads the summaries of its results, not a look-ahead past them', async () => {
    // Every filler is a CT study: the Modality index matches all of them.
    const reply = await search(ctx.baseUrl, '/v2/studies?ModalitiesInStudy=CT&limit=5');
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.json?.length, 5);
    const cost = costOf(reply);
    // One index page (its entries) and five summary reads; 16 more before the look-ahead was bounded.
    assert.ok(cost.requests <= 1 + 5, JSON.stringify(cost));
  });

  test(`with ${FILLERS} more studies stored, every indexed search costs the same`, async () => {
    assert.ok(measuredBefore.size >= 8, 'the earlier tests measured');
    await storeInBatches(ctx.baseUrl, fillers(FILLERS));
    for (const [path, { cost, expected }] of measuredBefore) {
      assert.deepEqual(await measured(path, expected), cost, `${path}: same cost`);
    }
  });
});
