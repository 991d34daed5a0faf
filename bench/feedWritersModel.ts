/**
 * The "Many workers on one change feed" section of docs/scale.md, from a bench/feedWriters.ts run:
 * what one server process cannot show (it never races itself for the counter), and what it does to
 * the rows the `feed` partition binds when each Functions instance commits on its own.
 */
import { AZURE_TARGETS } from './ceilingModel';
import type { FeedWritersFigures } from './feedWriters';
import type { OperationCalls } from './storageCalls';
import { STAGE_SHARDS } from '../shared/changefeed/feedStaging';

/** A row whose instances each commit alone (one direct transaction per instance when uncontended). */
function isSingleInstanceStore(row: OperationCalls): boolean {
  return row.operation.includes('one per request');
}

export function manyWorkersSection(figures: readonly FeedWritersFigures[], rows: readonly OperationCalls[]): string[] {
  const lines = [
    '## Many workers on one change feed',
    '',
    "On Azure every instance of the app commits to the change feed on its own, racing the others for the feed's",
    'counter; one process never races itself, so the rows above show the uncontended commit (2 `feed` writes each).',
    '`npm run bench:feed-writers` runs many writers with their own counters against one Azurite, each fed by',
    `${figures[0]?.appenders ?? 0} callers committing one event at a time, once retrying the transaction as releases before`,
    'staging did, once as deployed (docs/delete-and-changefeed.md "Many writers"):',
    '',
    '| Writers | Writer | commits given up (503) | requests / event | lost transactions / event | `feed` writes / event | stage writes / event | events / block |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const f of figures) {
    lines.push(
      `| ${f.workers} | ${f.staging === 'never' ? 'retry the transaction (before)' : 'stage after two lost races (now)'} | ${f.gaveUp} of ${f.events} | ${dec(f.requestsPerEvent)} | ${dec(f.lostTransactionsPerEvent)} | ${dec(f.feedWritesPerEvent, 3)} | ${dec(f.stageWritesPerEvent, 3)} | ${dec(f.eventsPerBlock, 1)} |`,
    );
  }
  const staged = [...figures].filter((f) => f.staging === 'auto').sort((a, b) => b.workers - a.workers)[0];
  if (!staged) return lines;
  lines.push(
    '',
    `With the most writers measured (${staged.workers}), a store whose commit is staged costs, instead of its one direct transaction,`,
    `${dec(staged.requestsPerEvent)} requests per event (its stage row's insert and delete, a share of rounds and of lost`,
    `transactions, counter reads), and writes ${dec(staged.feedWritesPerEvent, 3)} entities into \`feed\` and ${dec(staged.stageWritesPerEvent / STAGE_SHARDS, 4)} into each of the`,
    `${STAGE_SHARDS} stage partitions. The rows the \`feed\` partition binds above, under that contention:`,
    '',
    '| Operation | calls | `feed` writes | ceiling, uncontended commits | ceiling with many workers | binds |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  );
  for (const row of rows.filter(isSingleInstanceStore)) {
    const feedWritesPer = (row.partitionWrites[feedPartitionOf(row)] ?? 0) / row.per;
    if (feedWritesPer === 0) continue;
    // Each direct commit (2 feed writes) becomes a staged one.
    const commitsPer = feedWritesPer / 2;
    const calls = row.calls / row.per - commitsPer + commitsPer * staged.requestsPerEvent;
    const feed = commitsPer * staged.feedWritesPerEvent;
    const stagePartition = (commitsPer * staged.stageWritesPerEvent) / STAGE_SHARDS;
    const limits: [string, number][] = [
      ['account requests', AZURE_TARGETS.accountRequestsPerSecond / calls],
      ['the `feed` partition', AZURE_TARGETS.partitionEntitiesPerSecond / feed],
      ['a stage partition', AZURE_TARGETS.partitionEntitiesPerSecond / stagePartition],
    ];
    const [binds, ceiling] = limits.sort((a, b) => a[1] - b[1])[0] as [string, number];
    const before = Math.min(
      AZURE_TARGETS.accountRequestsPerSecond / (row.calls / row.per),
      AZURE_TARGETS.partitionEntitiesPerSecond / feedWritesPer,
    );
    lines.push(
      `| ${row.operation} | ${dec(calls, 1)} / ${row.perLabel} | ${dec(feed, 3)} | ${fmt(before)}/s | ${fmt(ceiling)}/s | ${binds} |`,
    );
  }
  lines.push(
    '',
    'The per-event figures fall as load rises (a round numbers everything staged), so these ceilings are lower',
    "bounds; what binds single-instance stores is then the account's request target, not a partition.",
  );
  return lines;
}

function feedPartitionOf(row: OperationCalls): string {
  return Object.keys(row.partitionWrites).find((p) => p.endsWith('ChangeFeed/feed')) ?? '';
}

function dec(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '∞';
}

function fmt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'no limit';
}
