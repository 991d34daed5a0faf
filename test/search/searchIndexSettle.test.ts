// Index entries carry the attributes of what they point at, so an index-driven search answers from
// the index alone; these tests hold the index to being exactly what the summaries say: after a
// changed attribute, after a refresh that died half-way, and after refreshes racing each other
// as the app's instances would (docs/search.md, "Writes").
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

describe('QIDO-RS index entries', () => {
  const ctx = useTestServer({ env: { DICOM_SEARCH_COST_HEADER: 'true' } });

  /** Every entry of every study- and series-level index that points into the study, with its payload. */
  async function indexOf(study: string): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    const filter = `RowKey eq '${study}' or (RowKey ge '${study}|' and RowKey lt '${study}|~')`;
    for (const index of SEARCH_INDEXES.filter((i) => i.level !== 'instance')) {
      for (const e of await ctx.probe.entities(index.table, filter)) {
        const id = entryId({ table: index.table, partitionKey: e.partitionKey, rowKey: e.rowKey });
        found.set(id, JSON.stringify([e.Study, e.Modalities, e.Series]));
      }
    }
    return found;
  }

  /** The index holds exactly the entries of the stored summary, with its attributes; nothing is left pending. */
  async function assertIndexMatchesSummary(study: string): Promise<void> {
    const stored = await readStoredStudy(study);
    assert.equal(stored.indexPending, false, 'no refresh left unfinished');
    assert.deepEqual(stored.intents, [], 'no drop intent left');
    const expected = new Map(
      summaryIndexEntries(stored.summary).map((e) => [
        entryId(e),
        JSON.stringify([e.payload?.Study, e.payload?.Modalities, e.payload?.Series]),
      ]),
    );
    const actual = await indexOf(study);
    assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), 'the same entries');
    for (const [id, payload] of expected) assert.equal(actual.get(id), payload, `what ${id} carries`);
  }

  test('index-driven searches answer from the index: one request, one entity per result', async () => {
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
    const shapes = [
      `/v2/studies?PatientID=IX-${tok}`,
      `/v2/studies?PatientName=ixname${tok}&fuzzymatching=true`,
      `/v2/studies?StudyDate=19710101-19710301`,
      `/v2/series?Modality=X${tok.slice(0, 4)}`,
    ];
    for (const path of shapes) {
      const reply = await search(ctx.baseUrl, path);
      assert.equal(reply.status, 200, `${path}: ${reply.text}`);
      const found = reply.json ?? [];
      const perResult = path.startsWith('/v2/series') ? 2 : 1; // two series per study, one entry each
      assert.equal(found.length, studies.length * perResult, path);
      assert.deepEqual([...new Set(uidsOf(found, T.StudyInstanceUID))], [...studies].sort(), path);
      assert.ok(
        found.every((d) => String(value(d, T.PatientName)).startsWith(`Ixname${tok}`)),
        path,
      );
      assert.deepEqual(costOf(reply), { requests: 1, entities: found.length }, path);
    }
    // Counts are not in the entries: asking for them reads the summaries, and they are right.
    const counted = await search(
      ctx.baseUrl,
      `/v2/studies?PatientID=IX-${tok}&includefield=NumberOfStudyRelatedInstances`,
    );
    assert.ok((counted.json ?? []).every((d) => value(d, T.NumberOfStudyRelatedInstances) === 2));
    assert.ok(costOf(counted).requests > 1, 'the study rows were read');
  });

  test('a changed study attribute moves the study in every index and updates what the entries carry', async () => {
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
    // an entry of the old name (with its drop intent), a stale attribute copy, a missing entry.
    const ghost = {
      table: 'IxPatNameEq',
      partitionKey: `GHOST${tok}^WAY|0`,
      rowKey: study,
      payload: {
        Study: JSON.stringify({ [T.PatientName]: { vr: 'PN', Value: [{ Alphabetic: `Ghost${tok}^Way` }] } }),
        Modalities: '["OT"]',
      },
    };
    await ctx.probe
      .table('IxPatNameEq')
      .upsertEntity({ partitionKey: ghost.partitionKey, rowKey: study, ...ghost.payload });
    await ctx.probe.table('Studies').upsertEntity(intentEntity(study, ghost));
    const [dateEntry] = await ctx.probe.entities('IxStudyDateDate', `RowKey eq '${study}'`);
    assert.ok(dateEntry);
    await ctx.probe.table('IxStudyDateDate').upsertEntity({ ...dateEntry, Study: ghost.payload.Study }, 'Replace');
    const [idEntry] = await ctx.probe.entities('IxPatIdEq', `RowKey eq '${study}'`);
    assert.ok(idEntry);
    await ctx.probe.table('IxPatIdEq').deleteEntity(idEntry.partitionKey, idEntry.rowKey);
    await ctx.probe
      .table('Studies')
      .updateEntity({ partitionKey: study, rowKey: STUDY_ROW_KEY, IndexPending: true }, 'Merge');
    // Until it is finished, searches see the damage (this is what the sweeper puts right).
    assert.equal((await search(ctx.baseUrl, `/v2/studies?PatientName=ghost${tok}^way`)).status, 200);
    await expectNone(ctx.baseUrl, `/v2/studies?PatientID=HALF-${tok}`);

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
