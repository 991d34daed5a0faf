// The sweeper finishes attempts whose process died: roll back the uncommitted, roll forward the committed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sweepAbandonedStores } from '../../shared/store/abandonedStoreSweeper';

import { makeDicom, newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { insertPendingMarker, insertReservation, instanceRowKey, newInstanceKey } from '../support/storeAttempts';
import { stowFiles } from '../support/stowClient';
import { PENDING_MARKERS_FILTER } from '../../shared/storage/instanceRecords';

describe('abandoned store sweeper', () => {
  const ctx = useTestServer();

  async function abandonedAttempt(version: string, committed: boolean) {
    const key = newInstanceKey();
    const rowKey = instanceRowKey(key);
    await insertReservation(ctx.probe, key, version, -1000);
    await insertPendingMarker(ctx.probe, key, version);
    const prefix = `${key.studyInstanceUid}/${key.seriesInstanceUid}/${key.sopInstanceUid}/${version}/`;
    await ctx.probe.container.getBlockBlobClient(`${prefix}file.dcm`).upload('bytes', 5);
    if (committed) {
      await ctx.probe.table('ChangeFeed').createEntity({
        partitionKey: 'feed',
        rowKey: `created-${version}`,
        Sequence: 4242,
        EventTime: new Date(),
        TransferSyntaxUID: '1.2.840.10008.1.2.1',
      });
    }
    return { key, rowKey, prefix };
  }

  test('rolls back an uncommitted attempt and forward a committed one, then removes the markers', async () => {
    const lost = await abandonedAttempt('v-uncommitted', false);
    const kept = await abandonedAttempt('v-committed', true);
    const messages: string[] = [];
    const result = await sweepAbandonedStores(new Date(Date.now() + 1000), (m) => messages.push(m));
    assert.deepEqual(messages, []);
    assert.equal(result.rolledBack, 1);
    assert.equal(result.rolledForward, 1);
    assert.equal(result.markersRemoved, 2);

    assert.deepEqual(await ctx.probe.blobNames(lost.prefix), []);
    assert.deepEqual(await ctx.probe.entities('Instances', `PartitionKey eq '${lost.key.studyInstanceUid}'`), []);

    assert.deepEqual(await ctx.probe.blobNames(kept.prefix), [`${kept.prefix}file.dcm`]);
    const entity = await ctx.probe
      .table('Instances')
      .getEntity<{ State: string; Sequence: number }>(kept.key.studyInstanceUid, kept.rowKey);
    assert.deepEqual([entity.State, entity.Sequence], ['created', 4242]);
    assert.deepEqual(await ctx.probe.entities('Instances', PENDING_MARKERS_FILTER), []);
    // The rolled-forward instance is searchable: the sweeper refreshed its study's summary.
    assert.equal((await searchStudy(kept.key.studyInstanceUid)).status, 200);
    assert.equal((await searchStudy(lost.key.studyInstanceUid)).status, 204);
  });

  function searchStudy(studyInstanceUid: string): Promise<Response> {
    return fetch(`${ctx.baseUrl}/v2/studies?StudyInstanceUID=${studyInstanceUid}`);
  }

  test('a stored instance whose request died before refreshing search is found again after a sweep', async () => {
    const study = newUid();
    const series = newUid();
    const sop = newUid();
    const stored = await stowFiles(`${ctx.baseUrl}/v2/studies`, [
      makeDicom({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop }),
    ]);
    assert.equal(stored.status, 200, stored.text);
    // What a crash between the visibility change and the refresh leaves: no summary, and the marker.
    for (const row of await ctx.probe.entities('Studies', `PartitionKey eq '${study}'`)) {
      await ctx.probe.table('Studies').deleteEntity(row.partitionKey, row.rowKey);
    }
    assert.equal((await searchStudy(study)).status, 204);
    const instance = await ctx.probe
      .table('Instances')
      .getEntity<{ Version: string }>(
        study,
        instanceRowKey({ studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop }),
      );
    const key = { studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop };
    await insertPendingMarker(ctx.probe, key, instance.Version);

    const result = await sweepAbandonedStores(new Date(Date.now() + 1000), () => undefined);
    assert.equal(result.markersRemoved, 1);
    const found = await searchStudy(study);
    assert.equal(found.status, 200);
    const [dataset] = (await found.json()) as Record<string, { Value?: unknown[] }>[];
    assert.deepEqual(dataset?.['0020000D']?.Value, [study]);
  });

  test('leaves attempts whose lease is still held', async () => {
    const key = newInstanceKey();
    await insertReservation(ctx.probe, key, 'v-live', 60_000);
    await insertPendingMarker(ctx.probe, key, 'v-live');
    const result = await sweepAbandonedStores(new Date(Date.now() + 1000), () => undefined);
    assert.equal(result.markersRemoved, 0);
    assert.equal((await ctx.probe.entities('Instances', PENDING_MARKERS_FILTER)).length, 1);
  });
});
