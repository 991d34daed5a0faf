// Many writers (docs/delete-and-changefeed.md "Many writers"): commits that lose the race for the
// counter are staged and numbered by sequencing rounds. Every event must be numbered exactly once,
// gapless, at the sequence its append reported, whatever stops where.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { encodeEvents, type ChangeFeedEvent } from '../../shared/changefeed/changeFeedEntry';
import { latestSequence, readEntry, readRange } from '../../shared/changefeed/changeFeedReader';
import { ChangeFeedWriter } from '../../shared/changefeed/changeFeedWriter';
import { findEvent } from '../../shared/changefeed/feedEventLookup';
import { sequenceRound } from '../../shared/changefeed/feedSequencer';
import { stageEvents } from '../../shared/changefeed/feedStaging';
import { numberStrandedCommits } from '../../shared/changefeed/strandedCommits';
import { table } from '../../shared/storage/clients';
import { useTestServer } from '../support/serverFixture';
import { newInstanceKey } from '../support/storeAttempts';

const STAGE_ROWS = `PartitionKey ge 'stage-' and PartitionKey lt 'stage.'`;
const LATE_ROWS = `PartitionKey eq 'feed' and RowKey ge 'late-' and RowKey lt 'late.'`;

function event(version: string): ChangeFeedEvent {
  return { action: 'create', ...newInstanceKey(), version, partitionName: 'Microsoft.Default' };
}

describe('change feed with many writers', () => {
  const ctx = useTestServer();
  const feed = () => table('changeFeed');

  test('writers racing for the counter: every event once, gapless, at the sequence its append said', async () => {
    const writers = [
      new ChangeFeedWriter(feed),
      new ChangeFeedWriter(feed),
      new ChangeFeedWriter(feed, { staging: 'always' }),
      new ChangeFeedWriter(feed, { staging: 'always' }),
    ];
    const before = await latestSequence();
    const events = Array.from({ length: 240 }, (_, i) => event(`race-${i}`));
    // Staggered, so that every writer commits many times while the others do.
    const committed = await Promise.all(
      events.map(async (e, i) => {
        await sleep(i % 13);
        return (writers[i % writers.length] as ChangeFeedWriter).append(e);
      }),
    );

    const rows = await readRange(before, events.length + 50);
    assert.deepEqual(
      rows.map((r) => r.sequence),
      events.map((_, i) => before + 1 + i),
    );
    const numberedAt = new Map(rows.map((r) => [r.version, r.sequence]));
    assert.equal(numberedAt.size, events.length);
    for (const c of committed) assert.equal(numberedAt.get(c.version), c.sequence, c.version);
    assert.equal(await latestSequence(), before + events.length);
    assert.deepEqual(await ctx.probe.entities('ChangeFeed', STAGE_ROWS), []);
    const staged = await ctx.probe.entities('ChangeFeed', `PartitionKey eq 'feed' and Stages ne ''`);
    assert.ok(staged.length > 0, 'some commits went through stage rows');
  });

  test('a round stopped before its clean-up: the next round numbers nothing twice', async () => {
    const before = await latestSequence();
    await stageEvents(feed(), [event('stop-1'), event('stop-2')]);
    await stageEvents(feed(), [event('stop-3')]);
    const stopped = await sequenceRound(feed(), { stopAfterCommit: true });
    if (typeof stopped === 'string') return assert.fail(`round ${stopped}`);
    assert.equal(stopped.numbered.length, 2);
    // Two stage rows, one block: a round's blocks follow its events, not its commits.
    const blocks = await ctx.probe.entities('ChangeFeed', `PartitionKey eq 'feed' and First gt ${before}`);
    assert.deepEqual(
      blocks.map((b) => [b.First, b.Count]),
      [[before + 1, 3]],
    );
    assert.equal((await ctx.probe.entities('ChangeFeed', STAGE_ROWS)).length, 2, 'left as a crash would');

    await stageEvents(feed(), [event('stop-4')]);
    const next = await sequenceRound(feed());
    if (typeof next === 'string') return assert.fail(`round ${next}`);
    assert.deepEqual(
      next.numbered.map((n) => n.first),
      [before + 4],
    );
    assert.deepEqual(await ctx.probe.entities('ChangeFeed', STAGE_ROWS), []);
    const rows = await readRange(before, 10);
    assert.deepEqual(
      rows.map((r) => r.sequence),
      [before + 1, before + 2, before + 3, before + 4],
    );
    assert.deepEqual(rows.map((r) => r.version).sort(), ['stop-1', 'stop-2', 'stop-3', 'stop-4']);
    assert.equal(rows[3]?.version, 'stop-4');
  });

  test('recovery finds a commit a dead worker staged, and numbers it', async () => {
    await stageEvents(feed(), [event('stranded-other'), event('stranded')]);
    const now = Date.now();
    const window = { from: new Date(now - 60_000), until: new Date(now + 60_000) };

    const found = await findEvent('create', 'stranded', window);
    assert.ok(found);
    assert.equal((await readEntry(found.sequence))?.version, 'stranded');
    assert.equal((await readEntry(found.sequence - 1))?.version, 'stranded-other');
    assert.deepEqual(await ctx.probe.entities('ChangeFeed', STAGE_ROWS), []);
    assert.equal(await findEvent('create', 'never-staged', window), undefined);
    assert.equal(await findEvent('delete', 'stranded', window), undefined, 'the action must match');
  });

  test('a commit numbered long after it was staged is found by when it was staged', async () => {
    const stagedAt = new Date(Date.now() - 10 * 60_000);
    await feed().createEntity({
      partitionKey: 'stage-0f',
      rowKey: `${stagedAt.getTime().toString().padStart(15, '0')}-deadworker`,
      Events: encodeEvents([event('late-one')]),
      StagedAt: stagedAt,
    });
    await numberStrandedCommits(10_000, (message) => assert.fail(message));
    assert.deepEqual(await ctx.probe.entities('ChangeFeed', STAGE_ROWS), []);
    assert.equal((await ctx.probe.entities('ChangeFeed', LATE_ROWS)).length, 1);

    // The window recovery searches for an attempt of that time: the block's event time is now.
    const window = { from: new Date(stagedAt.getTime() - 60_000), until: new Date(stagedAt.getTime() + 180_000) };
    const found = await findEvent('create', 'late-one', window);
    assert.ok(found);
    assert.equal((await readEntry(found.sequence))?.version, 'late-one');
    const elsewhere = { from: new Date(stagedAt.getTime() - 3_600_000), until: new Date(stagedAt.getTime() - 600_000) };
    assert.equal(await findEvent('create', 'late-one', elsewhere), undefined);
  });
});
