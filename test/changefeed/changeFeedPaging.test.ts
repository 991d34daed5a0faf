// A client paging with offset while 50 stores and deletes run at once sees every entry exactly
// once, in order: the feed never shows a gap that fills in later.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backgroundDeletesSettled } from '../../shared/delete/backgroundDeletes';
import { useTestServer } from '../support/serverFixture';
import { getJson, httpDelete, readWholeFeed, storeInstance, type FeedEntry, type StoredInstance } from './feedClient';

const STORES = 30;
const DELETES = 20;
const PAGE = 7;

describe('change feed paging under concurrent writes', () => {
  const ctx = useTestServer();

  test('every entry exactly once, in sequence order', async () => {
    const toDelete: StoredInstance[] = [];
    for (let i = 0; i < DELETES; i += 1) toDelete.push(await storeInstance(ctx.baseUrl));

    const seen: FeedEntry[] = [];
    let writing = true;
    const reader = (async () => {
      // Keep paging until the writers are done and a page comes back empty.
      for (;;) {
        const offset = seen.at(-1)?.Sequence ?? 0;
        const page = await getJson<FeedEntry[]>(
          `${ctx.baseUrl}/v1/changefeed?offset=${offset}&limit=${PAGE}&includemetadata=false`,
        );
        assert.equal(page.status, 200);
        const entries = page.json ?? [];
        seen.push(...entries);
        if (entries.length === 0 && !writing) return;
      }
    })();

    const stores = Array.from({ length: STORES }, () => storeInstance(ctx.baseUrl));
    const deletes = toDelete.map((i) =>
      httpDelete(`${ctx.baseUrl}/v2/studies/${i.study}/series/${i.series}/instances/${i.sop}`),
    );
    const [stored, deleted] = await Promise.all([Promise.all(stores), Promise.all(deletes)]);
    writing = false;
    await reader;
    await backgroundDeletesSettled();

    assert.ok(deleted.every((d) => d.status === 204));
    assert.deepEqual(
      seen.map((e) => e.Sequence),
      seen.map((_, i) => i + 1),
    );
    assert.equal(seen.length, DELETES + STORES + DELETES);
    const whole = await readWholeFeed(ctx.baseUrl);
    assert.deepEqual(
      seen.map((e) => [e.Sequence, e.Action, e.SopInstanceUid, e.Timestamp]),
      whole.map((e) => [e.Sequence, e.Action, e.SopInstanceUid, e.Timestamp]),
    );
    const created = new Set(seen.filter((e) => e.Action === 'create').map((e) => e.SopInstanceUid));
    const removed = seen.filter((e) => e.Action === 'delete').map((e) => e.SopInstanceUid);
    assert.ok(stored.every((i) => created.has(i.sop)));
    assert.deepEqual(removed.sort(), toDelete.map((i) => i.sop).sort());
    // Timestamps never go backwards along the sequence.
    assert.ok(seen.every((e, i) => i === 0 || e.Timestamp >= (seen[i - 1] as FeedEntry).Timestamp));
  });
});
