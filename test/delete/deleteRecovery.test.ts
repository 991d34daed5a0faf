// A delete whose process died after hiding its instance is finished by the sweeper: its feed
// event appended exactly once, blobs, entity and marker removed, and search refreshed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sweepAbandonedStores } from '../../shared/store/abandonedStoreSweeper';
import { useTestServer } from '../support/serverFixture';
import { readWholeFeed, storeInstance, type StoredInstance } from '../changefeed/feedClient';
import { PENDING_MARKERS_FILTER } from '../../shared/storage/instanceRecords';

describe('abandoned delete recovery', () => {
  const ctx = useTestServer();

  /** What a delete leaves when it dies after the hide: a marker and a `deleting` entity with an expired lease. */
  async function abandonDelete(instance: StoredInstance, leaseUntil: Date): Promise<string> {
    const instances = ctx.probe.table('Instances');
    const rowKey = `${instance.series}|${instance.sop}`;
    const entity = await instances.getEntity<{ Version: string }>(instance.study, rowKey);
    const key = { studyInstanceUid: instance.study, seriesInstanceUid: instance.series, sopInstanceUid: instance.sop };
    await instances.upsertEntity({
      // The single marker partition of earlier releases, which recovery still lists.
      partitionKey: '~pending',
      rowKey: `${instance.study}|${instance.series}|${instance.sop}|${entity.Version}`,
      Version: entity.Version,
      Purpose: 'delete',
      ...key,
    });
    await instances.updateEntity(
      { partitionKey: instance.study, rowKey, State: 'deleting', LeaseUntil: leaseUntil },
      'Merge',
      { etag: entity.etag },
    );
    return entity.Version;
  }

  const search = (query: string) => fetch(`${ctx.baseUrl}/v2/${query}`);

  const deleteEntriesOf = async (sop: string) =>
    (await readWholeFeed(ctx.baseUrl)).filter((e) => e.SopInstanceUid === sop && e.Action === 'delete');

  test('before its feed event: the sweeper appends it once and removes everything', async () => {
    const instance = await storeInstance(ctx.baseUrl);
    const version = await abandonDelete(instance, new Date(Date.now() - 1000));
    assert.ok((await ctx.probe.blobNames(`${instance.study}/`)).some((name) => name.includes(version)));
    // The dead delete never refreshed search: the study's summary still lists the instance.
    assert.equal((await search(`studies?StudyInstanceUID=${instance.study}`)).status, 200);
    const result = await sweepAbandonedStores(new Date(Date.now() + 1000), (m) => assert.fail(m));
    assert.equal(result.deletesFinished, 1);
    assert.equal((await search(`studies?StudyInstanceUID=${instance.study}`)).status, 204);
    assert.equal((await search(`instances?SOPInstanceUID=${instance.sop}`)).status, 204);
    assert.deepEqual(await ctx.probe.entities('Studies', `PartitionKey eq '${instance.study}'`), []);
    assert.deepEqual(await ctx.probe.blobNames(`${instance.study}/`), []);
    assert.deepEqual(await ctx.probe.entities('Instances', `PartitionKey eq '${instance.study}'`), []);
    assert.deepEqual(await ctx.probe.entities('Instances', PENDING_MARKERS_FILTER), []);
    assert.equal((await deleteEntriesOf(instance.sop)).length, 1);

    // A second sweep finds nothing left to do.
    const again = await sweepAbandonedStores(new Date(Date.now() + 1000), (m) => assert.fail(m));
    assert.equal(again.examined, 0);
    assert.equal((await deleteEntriesOf(instance.sop)).length, 1);
  });

  test('after its feed event: the sweeper does not append a second one', async () => {
    const instance = await storeInstance(ctx.baseUrl);
    const version = await abandonDelete(instance, new Date(Date.now() - 1000));
    // Simulate the feed event having been committed before the crash.
    const { changeFeed } = await import('../../shared/changefeed/changeFeedWriter');
    await changeFeed().append({
      action: 'delete',
      studyInstanceUid: instance.study,
      seriesInstanceUid: instance.series,
      sopInstanceUid: instance.sop,
      version,
    });
    const result = await sweepAbandonedStores(new Date(Date.now() + 1000), (m) => assert.fail(m));
    assert.equal(result.deletesFinished, 1);
    assert.deepEqual(await ctx.probe.blobNames(`${instance.study}/`), []);
    assert.equal((await deleteEntriesOf(instance.sop)).length, 1);
  });

  test('leaves a delete whose lease is still held', async () => {
    const instance = await storeInstance(ctx.baseUrl);
    await abandonDelete(instance, new Date(Date.now() + 60_000));
    const result = await sweepAbandonedStores(new Date(Date.now() + 1000), (m) => assert.fail(m));
    assert.equal(result.deletesFinished, 0);
    const markers = await ctx.probe.entities('Instances', PENDING_MARKERS_FILTER);
    assert.equal(markers.filter((m) => m.Purpose === 'delete').length, 1, "the delete's marker stays");
    assert.ok((await ctx.probe.blobNames(`${instance.study}/`)).length > 0);
    assert.equal((await deleteEntriesOf(instance.sop)).length, 0);
  });
});
