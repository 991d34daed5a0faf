// Feeds written by earlier releases (one `seq-` row per event) and by this one (one block row per
// transaction) read as one gapless feed, paged from any offset, including one inside a block.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sequenceRowKey } from '../../shared/changefeed/changeFeedEntry';
import { useTestServer } from '../support/serverFixture';
import { newInstanceKey } from '../support/storeAttempts';
import { changeFeed } from '../../shared/changefeed/changeFeedWriter';
import { getJson, type FeedEntry } from './feedClient';

const LEGACY_EVENTS = 3;

describe('change feed blocks', () => {
  const ctx = useTestServer();

  test('legacy rows and blocks page as one feed', async () => {
    // What an earlier release left: three single-event rows and the counter covering them.
    const feed = ctx.probe.table('ChangeFeed');
    const eventTime = new Date(Date.now() - 60_000);
    for (let sequence = 1; sequence <= LEGACY_EVENTS; sequence += 1) {
      const key = newInstanceKey();
      await feed.createEntity({
        partitionKey: 'feed',
        rowKey: sequenceRowKey(sequence),
        Sequence: sequence,
        Action: 'create',
        StudyInstanceUid: key.studyInstanceUid,
        SeriesInstanceUid: key.seriesInstanceUid,
        SopInstanceUid: key.sopInstanceUid,
        Version: `legacy-${sequence}`,
        EventTime: eventTime,
      });
    }
    await feed.createEntity({
      partitionKey: 'feed',
      rowKey: 'counter',
      Last: LEGACY_EVENTS,
      LastTimestamp: eventTime.getTime(),
    });

    // Appended in one turn of the event loop, as a request's commit group is: one block of six.
    const appended = Array.from({ length: 6 }, () => ({
      action: 'create' as const,
      ...newInstanceKey(),
      version: 'v',
    }));
    await Promise.all(appended.map((event) => changeFeed().append(event)));
    const rows = await ctx.probe.entities(
      'ChangeFeed',
      `PartitionKey eq 'feed' and RowKey gt 'seq-' and RowKey lt 'seq.'`,
    );
    const blocks = rows.filter((r) => typeof r.Events === 'string');
    assert.deepEqual(
      blocks.map((b) => [b.First, b.Count]),
      [[LEGACY_EVENTS + 1, appended.length]],
    );

    const all = await page(0, 100);
    assert.deepEqual(
      all.map((e) => e.Sequence),
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.deepEqual(
      new Set(all.slice(LEGACY_EVENTS).map((e) => e.SopInstanceUid)),
      new Set(appended.map((e) => e.sopInstanceUid)),
    );
    // Every offset, including those that fall inside a block, starts right after it.
    for (let offset = 0; offset <= 9; offset += 1) {
      assert.deepEqual(
        (await page(offset, 2)).map((e) => e.Sequence),
        [offset + 1, offset + 2].filter((s) => s <= 9),
        `offset ${offset}`,
      );
    }
    const latest = await getJson<FeedEntry>(`${ctx.baseUrl}/v2/changefeed/latest?includemetadata=false`);
    assert.equal(latest.json?.Sequence, 9);
  });

  async function page(offset: number, limit: number): Promise<FeedEntry[]> {
    const response = await getJson<FeedEntry[]>(
      `${ctx.baseUrl}/v1/changefeed?offset=${offset}&limit=${limit}&includemetadata=false`,
    );
    assert.equal(response.status, 200);
    return response.json ?? [];
  }
});
