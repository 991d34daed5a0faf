// DELETE at study, series and instance level: 204, the instance hidden at once, blobs and entities
// removed, one `delete` feed entry per instance, and a re-store that works.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backgroundDeletesSettled } from '../../shared/delete/backgroundDeletes';
import { newUid } from '../support/dicomFactory';
import { useTestServer } from '../support/serverFixture';
import { httpDelete, readWholeFeed, storeInstance, type StoredInstance } from '../changefeed/feedClient';
import { PENDING_MARKERS_FILTER } from '../../shared/storage/instanceRecords';

describe('delete', () => {
  const ctx = useTestServer();

  async function rowsOf(study: string) {
    return ctx.probe.entities('Instances', `PartitionKey eq '${study}'`);
  }

  async function assertGone(instances: readonly StoredInstance[]) {
    await backgroundDeletesSettled();
    for (const { study, series, sop } of instances) {
      assert.deepEqual(await ctx.probe.blobNames(`${study}/${series}/${sop}/`), []);
      const rows = await rowsOf(study);
      assert.equal(
        rows.some((row) => row.rowKey === `${series}|${sop}`),
        false,
      );
    }
    const markers = await ctx.probe.entities('Instances', PENDING_MARKERS_FILTER);
    assert.deepEqual(
      markers.filter((m) => instances.some((i) => m.sopInstanceUid === i.sop)),
      [],
    );
  }

  async function deleteEntries(instances: readonly StoredInstance[]) {
    const feed = await readWholeFeed(ctx.baseUrl);
    return feed.filter((e) => e.Action === 'delete' && instances.some((i) => i.sop === e.SopInstanceUid));
  }

  test('an instance: 204 with no body, hidden, blobs and entity removed, one delete entry', async () => {
    const kept = await storeInstance(ctx.baseUrl);
    const gone = await storeInstance(ctx.baseUrl, { study: kept.study, series: kept.series });
    const url = `${ctx.baseUrl}/v2/studies/${gone.study}/series/${gone.series}/instances/${gone.sop}`;
    const response = await httpDelete(url);
    assert.deepEqual(response, { status: 204, text: '' });
    await assertGone([gone]);
    assert.equal((await rowsOf(kept.study)).length, 1);
    assert.equal((await ctx.probe.blobNames(`${kept.study}/${kept.series}/${kept.sop}/`)).length > 0, true);
    const entries = await deleteEntries([gone]);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.StudyInstanceUid, gone.study);
    assert.equal(entries[0]?.SeriesInstanceUid, gone.series);
  });

  test('a series: every instance of it and nothing of the other series', async () => {
    const first = await storeInstance(ctx.baseUrl);
    const second = await storeInstance(ctx.baseUrl, { study: first.study, series: first.series });
    const other = await storeInstance(ctx.baseUrl, { study: first.study });
    const response = await httpDelete(`${ctx.baseUrl}/v1/studies/${first.study}/series/${first.series}`);
    assert.equal(response.status, 204);
    await assertGone([first, second]);
    assert.deepEqual(
      (await rowsOf(first.study)).map((r) => r.rowKey),
      [`${other.series}|${other.sop}`],
    );
    assert.equal((await deleteEntries([first, second])).length, 2);
  });

  test('a study: every instance of every series', async () => {
    const first = await storeInstance(ctx.baseUrl);
    const second = await storeInstance(ctx.baseUrl, { study: first.study });
    const third = await storeInstance(ctx.baseUrl, { study: first.study, series: second.series });
    assert.equal((await httpDelete(`${ctx.baseUrl}/v2/studies/${first.study}`)).status, 204);
    await assertGone([first, second, third]);
    assert.deepEqual(await rowsOf(first.study), []);
    assert.deepEqual(await ctx.probe.blobNames(`${first.study}/`), []);
    assert.equal((await deleteEntries([first, second, third])).length, 3);
  });

  test('404 when nothing is there: never stored, or already deleted', async () => {
    const stored = await storeInstance(ctx.baseUrl);
    const instanceUrl = `${ctx.baseUrl}/v2/studies/${stored.study}/series/${stored.series}/instances/${stored.sop}`;
    assert.equal((await httpDelete(instanceUrl)).status, 204);
    const again = await httpDelete(instanceUrl);
    assert.equal(again.status, 404);
    assert.match(again.text, /instance cannot be found/);
    assert.equal((await httpDelete(`${ctx.baseUrl}/v2/studies/${newUid()}`)).status, 404);
    const series = await httpDelete(`${ctx.baseUrl}/v1/studies/${stored.study}/series/${newUid()}`);
    assert.equal(series.status, 404);
    assert.match(series.text, /series cannot be found/);
    assert.equal((await deleteEntries([stored])).length, 1);
  });

  test('400 naming the malformed UID', async () => {
    const bad = await httpDelete(`${ctx.baseUrl}/v2/studies/not_a_uid`);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /StudyInstanceUID 'not_a_uid' is invalid/);
    const badSeries = await httpDelete(`${ctx.baseUrl}/v2/studies/1.2.3/series/${'9'.repeat(65)}`);
    assert.equal(badSeries.status, 400);
    assert.match(badSeries.text, /SeriesInstanceUID/);
    const badSop = await httpDelete(`${ctx.baseUrl}/v2/studies/1.2.3/series/1.2.4/instances/a*b`);
    assert.equal(badSop.status, 400);
    assert.match(badSop.text, /SOPInstanceUID/);
  });

  test('storing the same instance again after a delete works, under a new version', async () => {
    const stored = await storeInstance(ctx.baseUrl);
    const before = (await rowsOf(stored.study))[0]?.Version;
    assert.equal((await httpDelete(`${ctx.baseUrl}/v2/studies/${stored.study}`)).status, 204);
    await backgroundDeletesSettled();
    await storeInstance(ctx.baseUrl, stored);
    const rows = await rowsOf(stored.study);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.State, 'created');
    assert.notEqual(rows[0]?.Version, before);
    const entries = (await readWholeFeed(ctx.baseUrl)).filter((e) => e.SopInstanceUid === stored.sop);
    assert.deepEqual(
      entries.map((e) => [e.Action, e.State]),
      [
        ['create', 'replaced'],
        ['delete', 'replaced'],
        ['create', 'current'],
      ],
    );
  });
});
