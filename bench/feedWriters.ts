/**
 * Many workers committing to one change feed (docs/delete-and-changefeed.md "Many writers"), the
 * case a single server process cannot show: --workers ChangeFeedWriters in this process, each with
 * its own counter, which is what separate Functions instances are to the table service, each fed by
 * --appenders callers committing one event at a time back to back (single-instance stores), against
 * an in-memory Azurite. Run once as releases before staging did (`staging: 'never'`: a lost race
 * retries the transaction) and once as deployed (`auto`).
 *
 * Every table call is counted by the watcher the traces use (shared/telemetry/storageCallRecorder.ts):
 * per event, the account requests (failed ones too: each is billed), entity writes into `feed` and
 * into the stage partitions, and 412s. From those and Azure's targets (bench/ceilingModel.ts),
 * the events per second each limit allows. Writes per event fall as load rises (rounds carry more),
 * so a ceiling computed at this load is a lower bound for the staged writer.
 *
 *   npm run bench:feed-writers -- [--workers 4,16,48] [--appenders 4] [--events 4000] [--json FILE]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startAzurite } from '../host/azurite';
import { odata } from '@azure/data-tables';
import { sequenceRowKey } from '../shared/changefeed/changeFeedEntry';
import { latestSequence } from '../shared/changefeed/changeFeedReader';
import { ChangeFeedWriter, type ChangeFeedWriterOptions } from '../shared/changefeed/changeFeedWriter';
import { STAGE_SHARDS } from '../shared/changefeed/feedStaging';
import { table } from '../shared/storage/clients';
import { ensureStorage } from '../shared/storage/provision';
import type { StorageCall } from '../shared/telemetry/storageCall';
import { StorageCallWatcher } from '../shared/telemetry/storageCallRecorder';
import { AZURE_TARGETS } from './ceilingModel';
import { integersAtLeast, numberAtLeast } from './cliArgs';

export interface FeedWritersFigures {
  readonly staging: NonNullable<ChangeFeedWriterOptions['staging']>;
  readonly workers: number;
  readonly appenders: number;
  readonly events: number;
  readonly seconds: number;
  /** Commits that failed after all their retries (a store would answer 503). */
  readonly gaveUp: number;
  readonly requestsPerEvent: number;
  readonly lostTransactionsPerEvent: number;
  readonly feedWritesPerEvent: number;
  /** Entity writes per event into stage partitions, all shards together (0 without staging). */
  readonly stageWritesPerEvent: number;
  readonly eventsPerBlock: number;
  /** Events per second per storage account each target allows, and the least of them. */
  readonly ceilings: {
    readonly accountRequests: number;
    readonly feedPartition: number;
    readonly stagePartition: number;
  };
  readonly ceiling: number;
  readonly binds: string;
}

async function run(
  staging: FeedWritersFigures['staging'],
  workers: number,
  appenders: number,
  events: number,
  calls: StorageCall[],
): Promise<FeedWritersFigures> {
  const writers = Array.from({ length: workers }, () => new ChangeFeedWriter(() => table('changeFeed'), { staging }));
  const before = await latestSequence();
  calls.length = 0;
  let next = 0;
  let gaveUp = 0;
  const started = process.hrtime.bigint();
  const appender = async (writer: ChangeFeedWriter, w: number): Promise<void> => {
    while (next < events) {
      const n = next++;
      await writer
        .append({
          action: 'create',
          studyInstanceUid: `1.2.3.${w}`,
          seriesInstanceUid: `1.2.3.${w}.1`,
          sopInstanceUid: `1.2.3.${w}.1.${n}`,
          version: `bench-${staging}-${n}`,
        })
        .catch(() => {
          gaveUp += 1; // a store would answer 503
        });
    }
  };
  await Promise.all(writers.flatMap((writer, w) => Array.from({ length: appenders }, () => appender(writer, w))));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;

  // A batch answers 202 even when an operation in it failed (412), so what was written is read
  // back from the feed: a direct commit is a counter write and a block without `Stages`; a round
  // is a counter write (its blocks share one event time) and its blocks.
  const written = await blocksAfter(before);
  const direct = written.filter((b) => b.stages === undefined).length;
  const staged = written.filter((b) => b.stages !== undefined);
  const rounds = new Set(staged.map((b) => b.eventTime)).size;
  const stageRows = staged.reduce((sum, b) => sum + (b.stages ?? 0), 0);
  const feedWrites = 2 * direct + rounds + staged.length;
  const feedBatches = calls.filter((c) => c.operation === 'batch' && c.partition === 'feed').length;
  // A stage row is one insert and one delete.
  const stageWritesPerEvent = (2 * stageRows) / events;
  const blocks = written.length;
  const requestsPerEvent = calls.length / events;
  const feedWritesPerEvent = feedWrites / events;
  const ceilings = {
    accountRequests: AZURE_TARGETS.accountRequestsPerSecond / requestsPerEvent,
    feedPartition: AZURE_TARGETS.partitionEntitiesPerSecond / feedWritesPerEvent,
    // Each worker stages into one of STAGE_SHARDS partitions picked at random (here, one process:
    // one shard); at the ceiling many workers spread the writes over all of them.
    stagePartition:
      stageWritesPerEvent > 0
        ? (AZURE_TARGETS.partitionEntitiesPerSecond * STAGE_SHARDS) / stageWritesPerEvent
        : Infinity,
  };
  const [binds, ceiling] = Object.entries(ceilings).sort((a, b) => a[1] - b[1])[0] as [string, number];
  return {
    staging,
    workers,
    appenders,
    events,
    seconds,
    gaveUp,
    requestsPerEvent,
    lostTransactionsPerEvent: (feedBatches - direct - rounds) / events,
    feedWritesPerEvent,
    stageWritesPerEvent,
    eventsPerBlock: blocks > 0 ? events / blocks : 0,
    ceilings,
    ceiling,
    binds,
  };
}

interface WrittenBlock {
  readonly eventTime: string;
  /** How many stage rows a round's block holds; undefined for a direct commit's. */
  readonly stages: number | undefined;
}

async function blocksAfter(sequence: number): Promise<WrittenBlock[]> {
  const filter = odata`PartitionKey eq 'feed' and RowKey gt ${sequenceRowKey(sequence)} and RowKey lt 'seq.'`;
  const blocks: WrittenBlock[] = [];
  const rows = table('changeFeed').listEntities<{ EventTime: Date; Stages?: string }>({
    queryOptions: { filter, select: ['EventTime', 'Stages'] },
  });
  for await (const row of rows) {
    const stages = row.Stages === undefined ? undefined : (JSON.parse(row.Stages) as unknown[]).length;
    blocks.push({ eventTime: new Date(row.EventTime).toISOString(), stages });
  }
  return blocks;
}

function fixed(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '∞';
}

function rate(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'no limit';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workers: { type: 'string' },
      appenders: { type: 'string' },
      events: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const workerCounts = integersAtLeast('workers', values.workers ?? '4,16,48', 1);
  const appenders = numberAtLeast('appenders', values.appenders ?? '4', 1);
  const events = numberAtLeast('events', values.events ?? '4000', 100);

  const azurite = await startAzurite({ inMemory: true });
  process.env.DICOM_STORAGE_CONNECTION_STRING = azurite.connectionString;
  process.env.AUTH_ENABLED = 'false';
  const calls: StorageCall[] = [];
  const watcher = new StorageCallWatcher([{ service: 'table', url: azurite.tableUrl }], {
    onStart: () => undefined,
    onEnd: (call) => calls.push(call),
  });
  try {
    await ensureStorage();
    const figures: FeedWritersFigures[] = [];
    for (const workers of workerCounts) {
      for (const staging of ['never', 'auto'] as const) {
        figures.push(await run(staging, workers, appenders, events, calls));
      }
    }
    console.log(`${appenders} appenders per writer, ${events} single-event commits each run, in-memory Azurite\n`);
    console.log(
      '| Writers | Writer | events/s here | commits given up | requests / event | lost transactions / event | `feed` writes / event | stage writes / event (16 partitions) | events / block | ceiling (events/s per account) | binds |',
    );
    console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const f of figures) {
      console.log(
        `| ${f.workers} | ${f.staging === 'never' ? 'retry the transaction (before)' : 'stage after two lost races (now)'} | ${Math.round(f.events / f.seconds)} | ${f.gaveUp} | ${fixed(f.requestsPerEvent)} | ${fixed(f.lostTransactionsPerEvent)} | ${fixed(f.feedWritesPerEvent, 3)} | ${fixed(f.stageWritesPerEvent, 3)} | ${fixed(f.eventsPerBlock, 1)} | ${rate(f.ceiling)} | ${f.binds} |`,
      );
    }
    if (values.json) await writeFile(values.json, JSON.stringify(figures, null, 2));
  } finally {
    watcher.stop();
    await azurite.stop();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
