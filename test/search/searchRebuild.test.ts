// Rebuilding search from the instance table restores studies whose summaries are missing, and with
// `rewriteIndex` shrinks index entries of an earlier release (which carried a copy of the summary)
// to bare keys; until then searches ignore that copy.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rebuildSearch } from '../../shared/search/searchRebuild';
import { SEARCH_INDEXES } from '../../shared/search/searchIndexes';
import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { stowFiles } from '../support/stowClient';

describe('search rebuild', () => {
  const ctx = useTestServer();

  test('studies stored without summaries (as before search existed) are searchable after a rebuild', async () => {
    const studies = [newUid(), newUid(), newUid()];
    const files = studies.flatMap((study) => [
      makeDicom({ studyInstanceUid: study, patientId: 'REBUILD-1', modality: 'CT' }),
      makeDicom({ studyInstanceUid: study, patientId: 'REBUILD-1', modality: 'MR' }),
    ]);
    assert.equal((await stowFiles(`${ctx.baseUrl}/v2/studies`, files)).status, 200);
    for (const row of await ctx.probe.entities('Studies')) {
      await ctx.probe.table('Studies').deleteEntity(row.partitionKey, row.rowKey);
    }
    const search = () => fetch(`${ctx.baseUrl}/v2/studies?PatientID=REBUILD-1&includefield=NumberOfStudyRelatedSeries`);
    assert.equal((await search()).status, 204);

    const seen: number[] = [];
    assert.equal(await rebuildSearch((done) => seen.push(done)), 3);
    assert.deepEqual(seen, [3]);
    const found = await search();
    assert.equal(found.status, 200);
    const datasets = (await found.json()) as Record<string, { Value?: unknown[] }>[];
    assert.deepEqual(datasets.map((d) => d['0020000D']?.Value?.[0]).sort(), [...studies].sort());
    assert.deepEqual(
      datasets.map((d) => d['00201206']?.Value?.[0]),
      [2, 2, 2],
    );
  });

  /** Every study- and series-level entry pointing into the study, with the properties it stores. */
  async function entriesOf(study: string) {
    const filter = `RowKey eq '${study}' or (RowKey ge '${study}|' and RowKey lt '${study}|~')`;
    const found: {
      table: (typeof SEARCH_INDEXES)[number]['table'];
      entity: Record<string, unknown> & { partitionKey: string; rowKey: string };
    }[] = [];
    for (const index of SEARCH_INDEXES.filter((i) => i.level !== 'instance')) {
      for (const entity of await ctx.probe.entities(index.table, filter)) found.push({ table: index.table, entity });
    }
    return found;
  }

  test('entries of an earlier release that carry a summary copy are ignored, and shrink with rewriteIndex', async () => {
    const study = newUid();
    const files = [
      makeDicom({ studyInstanceUid: study, patientId: 'REBUILD-2', patientName: 'Now^Named', modality: 'CT' }),
      makeDicom({ studyInstanceUid: study, patientId: 'REBUILD-2', patientName: 'Now^Named', modality: 'MR' }),
    ];
    assert.equal((await stowFiles(`${ctx.baseUrl}/v2/studies`, files)).status, 200);
    // What the previous release stored in every entry, here stale (as it never was for long).
    const copy = {
      Study: JSON.stringify({ '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Old^Copy' }] } }),
      Modalities: '["XA"]',
      Series: JSON.stringify({ '00080060': { vr: 'CS', Value: ['XA'] } }),
    };
    const entries = await entriesOf(study);
    assert.ok(entries.length > 10);
    for (const { table, entity } of entries) {
      await ctx.probe.table(table).upsertEntity({ partitionKey: entity.partitionKey, rowKey: entity.rowKey, ...copy });
    }
    const answer = async () => {
      const reply = await fetch(`${ctx.baseUrl}/v2/studies?PatientID=REBUILD-2`);
      assert.equal(reply.status, 200);
      const [found] = (await reply.json()) as Record<string, { Value?: unknown[] }>[];
      return [found?.['00100010']?.Value?.[0], found?.['00080061']?.Value, found?.['00201208']?.Value?.[0]];
    };
    const expected = [{ Alphabetic: 'Now^Named' }, ['CT', 'MR'], 2];
    assert.deepEqual(await answer(), expected, 'the summary answers, not the copy');
    const series = await fetch(`${ctx.baseUrl}/v2/series?Modality=MR&PatientID=REBUILD-2`);
    assert.equal(series.status, 200);

    await rebuildSearch(() => undefined);
    assert.ok(
      (await entriesOf(study)).every(({ entity }) => 'Study' in entity),
      'a plain rebuild leaves a current study as it is',
    );
    await rebuildSearch(() => undefined, { rewriteIndex: true });
    const rewritten = await entriesOf(study);
    assert.equal(rewritten.length, entries.length);
    for (const { table, entity } of rewritten) {
      assert.ok(
        !('Study' in entity) && !('Modalities' in entity) && !('Series' in entity),
        `${table} ${entity.rowKey}`,
      );
    }
    assert.deepEqual(await answer(), expected);
  });
});
