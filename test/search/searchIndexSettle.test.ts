// Index entries are pointers (keys only) to the summary rows, which every index-driven search
// reads; these tests hold the index to being exactly what the summaries say: after a changed
// attribute, after a refresh that died half-way, and after refreshes racing each other as the
// app's instances would (docs/search.md, "Writes").
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { entryId, summaryIndexEntries } from '../../shared/search/indexEntries';
import { settleIndex } from '../../shared/search/indexSettle';
import { SEARCH_INDEXES } from '../../shared/search/searchIndexes';
import { refreshStudy, refreshStudyAlone } from '../../shared/search/summaryRefresh';
import { intentEntity, readStoredStudy, STUDY_ROW_KEY } from '../../shared/search/summaryRows';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { costOf, expectNone, httpDelete, results, search, storeAll, T, token, uidsOf, value } from './searchSupport';

/** What the Table service adds to every entity it returns; anything else an entry has is stored data. */
const SYSTEM_PROPERTIES = new Set(['partitionKey', 'rowKey', 'etag', 'timestamp']);

describe('QIDO-RS index entries', () => {
  const ctx = useTestServer({ env: { DICOM_SEARCH_COST_HEADER: 'true' } });

  /** Every entry of every study- and series-level index that points into the study: id → its ETag. */
  async function indexOf(study: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const filter = `RowKey eq '${study}' or (RowKey ge '${study}|' and RowKey lt '${study}|~')`;
    for (const index of SEARCH_INDEXES.filter((i) => i.level !== 'instance')) {
      for (const e of await ctx.probe.entities(index.table, filter)) {
        const id = entryId({ table: index.table, partitionKey: e.partitionKey, rowKey: e.rowKey });
        const stored = Object.keys(e).filter((k) => !SYSTEM_PROPERTIES.has(k) && !k.startsWith('odata'));
        assert.deepEqual(stored, [], `${id} is a bare pointer`);
        found.set(id, String(e.etag));
      }
    }
    return found;
  }

  /** The index holds exactly the entries of the stored summary, keys only; nothing is left pending. */
  async function assertIndexMatchesSummary(study: string): Promise<void> {
    const stored = await readStoredStudy(study);
    assert.equal(stored.indexPending, false, 'no refresh left unfinished');
    assert.deepEqual(stored.intents, [], 'no drop intent left');
    const expected = summaryIndexEntries(stored.summary).map(entryId).sort();
    const actual = await indexOf(study);
    assert.deepEqual([...actual.keys()].sort(), expected, 'the same entries');
  }

  test('an index-driven search reads one index entity and one summary read per result, counts included', async () => {
    const tok = token();
    const studies = Array.from({ length: 3 }, () => newUid());
    await storeAll(
      ctx.baseUrl,
      studies.flatMap((study, i) =>
        [0, 1].map(() =>
          makeDicom({
            studyInstanceUid: study,
            patientId: `IX-${tok}`,
            patientName: `Ixname${tok}^Person${i}`,
            studyDate: '19710203',
            modality: `X${tok.slice(0, 4)}`,
          }),
        ),
      ),
    );
    for (const study of studies) await assertIndexMatchesSummary(study);
    const shapes = [
      `/v2/studies?PatientID=IX-${tok}`,
      `/v2/studies?PatientName=ixname${tok}&fuzzymatching=true`,
      `/v2/studies?StudyDate=19710101-19710301`,
      `/v2/studies?PatientID=IX-${tok}&includefield=all`,
      `/v2/series?Modality=X${tok.slice(0, 4)}`,
    ];
    for (const path of shapes) {
      const reply = await search(ctx.baseUrl, path);
      assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      const found = reply.json ?? [];
      const seriesLevel = path.startsWith('/v2/series');
      assert.equal(found.length, studies.length * (seriesLevel ? 2 : 1), path); // two series per study
      assert.deepEqual([...new Set(uidsOf(found, T.StudyInstanceUID))], [...studies].sort(), path);
      assert.ok(
        found.every((d) => String(value(d, T.PatientName)).startsWith(`Ixname${tok}`)),
        path,
      );
      if (seriesLevel) {
        assert.ok(
          found.every((d) => value(d, T.NumberOfSeriesRelatedInstances) === 1),
          path,
        );
        // Per result: its index entry and one query, for the study and series rows (the study row
        // only with the first series of each study; later ones read their series row alone).
        const entities = found.length + found.length + studies.length;
        assert.deepEqual(costOf(reply), { requests: 1 + found.length, entities }, path);
      } else {
        assert.ok(
          found.every((d) => value(d, T.NumberOfStudyRelatedInstances) === 2),
          path,
        );
        assert.ok(
          found.every((d) => value(d, T.NumberOfStudyRelatedSeries) === 2),
          path,
        );
        assert.deepEqual(costOf(reply), { requests: 1 + found.length, entities: 2 * found.length }, path);
      }
    }
  });

  test('a new series of a new modality writes only the entries it adds; the others are not rewritten', async () => {
    const tok = token();
    const study = newUid();
    const stored = (modality: string) =>
      makeDicom({ studyInstanceUid: study, patientName: `Keep${tok}^Ann`, patientId: `KEEP-${tok}`, modality });
    await storeAll(ctx.baseUrl, [stored('CT')]);
    const before = await indexOf(study);
    await storeAll(ctx.baseUrl, [stored('MR')]);
    await assertIndexMatchesSummary(study);
    const after = await indexOf(study);
    for (const [id, etag] of before) assert.equal(after.get(id), etag, `${id} untouched`);
    const added = [...after.keys()].filter((id) => !before.has(id));
    // The new series' own entries, and MR in the study's modalities.
    const addedTables = [...new Set(added.map((id) => id.split('\n')[0]))].sort();
    assert.deepEqual(addedTables, [
      'IxModalitiesEq',
      'IxModalitiesSub',
      'IxModalityEq',
      'IxModalitySub',
      'IxSeriesUidEq',
    ]);
    const [found] = await results(ctx.baseUrl, `/v2/studies?PatientID=KEEP-${tok}`);
    assert.deepEqual(found?.[T.ModalitiesInStudy]?.Value, ['CT', 'MR']);
    assert.equal(value(found, T.NumberOfStudyRelatedSeries), 2);
  });

  test('a changed study attribute moves the study in every index, and searches answer the new value', async () => {
    const tok = token();
    const study = newUid();
    const series = newUid();
    const stored = (patientName: string) =>
      makeDicom({ studyInstanceUid: study, seriesInstanceUid: series, patientName, studyDate: '19720304' });
    await storeAll(ctx.baseUrl, [stored(`Before${tok}^Ann`)]);
    await storeAll(ctx.baseUrl, [stored(`After${tok}^Ann`)]);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientName=before${tok}^ann`);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientName=before${tok}&fuzzymatching=true`);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientName=*fore${tok}*`);
    const byName = await results(ctx.baseUrl, `/v2/studies?PatientName=after${tok}^ann`);
    assert.deepEqual(uidsOf(byName, T.StudyInstanceUID), [study]);
    const byDate = await results(ctx.baseUrl, `/v2/studies?StudyDate=19720304&PatientName=after${tok}*`);
    assert.equal(value(byDate[0], T.PatientName), `After${tok}^Ann`);
    const bySeries = await results(ctx.baseUrl, `/v2/series?SeriesInstanceUID=${series}`);
    assert.equal(value(bySeries[0], T.PatientName), `After${tok}^Ann`);
    await assertIndexMatchesSummary(study);
  });

  test('a refresh finishes what a refresh that died half-way left', async () => {
    const tok = token();
    const study = newUid();
    await storeAll(ctx.baseUrl, [
      makeDicom({
        studyInstanceUid: study,
        patientId: `HALF-${tok}`,
        patientName: `Half${tok}^Way`,
        studyDate: '19730405',
      }),
    ]);
    await assertIndexMatchesSummary(study);
    // What a process leaves when it dies after writing a summary that renamed the patient from
    // Ghost… and flagged the index pending, before it deleted the old entries or wrote the new:
    // an entry of the old name (with its drop intent) and a missing entry. The date entry also
    // carries a stale copy of the study, as entries of an earlier release did: searches ignore it.
    const ghost = { table: 'IxPatNameEq', partitionKey: `GHOST${tok}^WAY|0`, rowKey: study };
    const ghostStudy = JSON.stringify({ [T.PatientName]: { vr: 'PN', Value: [{ Alphabetic: `Ghost${tok}^Way` }] } });
    await ctx.probe.table('IxPatNameEq').upsertEntity({ partitionKey: ghost.partitionKey, rowKey: study });
    await ctx.probe.table('Studies').upsertEntity(intentEntity(study, ghost));
    const [dateEntry] = await ctx.probe.entities('IxStudyDateDate', `RowKey eq '${study}'`);
    assert.ok(dateEntry);
    await ctx.probe
      .table('IxStudyDateDate')
      .upsertEntity({ ...dateEntry, Study: ghostStudy, Modalities: '["XX"]' }, 'Replace');
    const [stale] = await results(ctx.baseUrl, `/v2/studies?StudyDate=19730405&PatientName=half${tok}^way`);
    assert.equal(value(stale, T.PatientName), `Half${tok}^Way`, 'the summary answers, not the copy');
    assert.deepEqual(stale?.[T.ModalitiesInStudy]?.Value, ['OT']);
    const [idEntry] = await ctx.probe.entities('IxPatIdEq', `RowKey eq '${study}'`);
    assert.ok(idEntry);
    await ctx.probe.table('IxPatIdEq').deleteEntity(idEntry.partitionKey, idEntry.rowKey);
    await ctx.probe
      .table('Studies')
      .updateEntity({ partitionKey: study, rowKey: STUDY_ROW_KEY, IndexPending: true }, 'Merge');
    // Until it is finished, the missing entry hides the study from its index (what the sweeper puts
    // right); the extra one cannot make a wrong match: its candidate is checked against the summary.
    await expectNone(ctx.baseUrl, `/v2/studies?PatientID=HALF-${tok}`);
    const ghostly = await search(ctx.baseUrl, `/v2/studies?PatientName=ghost${tok}^way`);
    assert.equal(ghostly.status, 204);
    assert.deepEqual(costOf(ghostly), { requests: 2, entities: 2 }, 'the ghost entry was read, and its study');

    await refreshStudy(study);
    await assertIndexMatchesSummary(study);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientName=ghost${tok}^way`);
    assert.deepEqual(uidsOf(await results(ctx.baseUrl, `/v2/studies?PatientID=HALF-${tok}`), T.StudyInstanceUID), [
      study,
    ]);
    const byDate = await results(ctx.baseUrl, `/v2/studies?StudyDate=19730405&PatientID=HALF-${tok}`);
    assert.equal(value(byDate[0], T.PatientName), `Half${tok}^Way`);
  });

  test('a refresh whose writes land after a newer summary settled puts the newer index back', async () => {
    const tok = token();
    const study = newUid();
    const series = newUid();
    const stored = (patientName: string) =>
      makeDicom({ studyInstanceUid: study, seriesInstanceUid: series, patientName });
    await storeAll(ctx.baseUrl, [stored(`Early${tok}^Ann`)]);
    const early = await readStoredStudy(study);
    await storeAll(ctx.baseUrl, [stored(`Late${tok}^Ann`)]);
    await assertIndexMatchesSummary(study);
    // A slow refresh of the early summary: its upserts, and deletes of what it thought dropped
    // (here the newer name's entries), reach the tables only now.
    const earlyEntries = new Set(summaryIndexEntries(early.summary).map(entryId));
    const lateOnly = summaryIndexEntries((await readStoredStudy(study)).summary).filter(
      (e) => !earlyEntries.has(entryId(e)),
    );
    assert.ok(lateOnly.length > 0);
    await settleIndex(
      study,
      { upserts: summaryIndexEntries(early.summary), deletes: lateOnly },
      { etag: early.etag, tombstone: false, pending: true, intents: [] },
    );
    await assertIndexMatchesSummary(study);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientName=early${tok}^ann`);
    const found = await results(ctx.baseUrl, `/v2/studies?PatientName=late${tok}&fuzzymatching=true`);
    assert.equal(value(found[0], T.PatientName), `Late${tok}^Ann`);
  });

  test('refreshes racing each other while the latest instance keeps changing leave exactly the final index', async () => {
    const tok = token();
    const study = newUid();
    const series = newUid();
    const sops = Array.from({ length: 6 }, () => newUid());
    // One at a time, so each later instance is the latest: the study's name follows the last one left.
    for (const [i, sop] of sops.entries()) {
      await storeAll(ctx.baseUrl, [
        makeDicom({
          studyInstanceUid: study,
          seriesInstanceUid: series,
          sopInstanceUid: sop,
          patientName: `Race${tok}^N${i}`,
          modality: i % 2 === 0 ? 'CT' : 'MR',
          elements: [{ tag: T.StudyDescription, vr: 'LO', value: `Desc ${tok} ${i}` }],
        }),
      ]);
    }
    // Deletes take the latest instance away one by one (each renames the study), while refreshes
    // that share nothing with this process's coalescing run against them, as other instances would.
    let deleting = true;
    const racers = Array.from({ length: 4 }, async () => {
      while (deleting) await refreshStudyAlone(study);
    });
    for (const sop of [...sops].reverse().slice(0, 4)) {
      assert.equal(await httpDelete(`${ctx.baseUrl}/v2/studies/${study}/series/${series}/instances/${sop}`), 204);
    }
    deleting = false;
    await Promise.all(racers);
    await assertIndexMatchesSummary(study);
    const left = await results(ctx.baseUrl, `/v2/studies?PatientName=race${tok}&fuzzymatching=true`);
    assert.equal(value(left[0], T.PatientName), `Race${tok}^N1`);
    for (const gone of [2, 3, 4, 5]) await expectNone(ctx.baseUrl, `/v2/studies?PatientName=race${tok}^n${gone}`);
  });
});
