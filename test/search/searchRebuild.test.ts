// Rebuilding search from the instance table restores studies whose summaries are missing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rebuildSearch } from '../../shared/search/searchRebuild';
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
});
