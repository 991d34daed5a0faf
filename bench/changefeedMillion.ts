/**
 * Change-feed page latency at 1,000 and 1,000,000 entries.
 *
 *   node dist/bench/changefeedMillion.js [--sizes 1000,1000000] [--pages 20] [--raw 20]
 *
 * bench/changefeed.ts seeds through the Tables API, which Azurite makes quadratic in the size of
 * the partition; here every size gets a fresh in-memory Azurite whose change-feed table is filled
 * inside the Azurite process before it listens (changefeedLokiPreload.ts explains how and why the
 * database-file route fails at this size). Before measuring, entries 1, n/2 and n and the counter
 * are read back through the Tables API and compared with what seedFeed writes, and three entries
 * written by seedFeed itself (into a second table) are compared field by field with preloaded ones.
 *
 * Then, over HTTP with metadata like bench/changefeed.ts: v1 pages by offset and v2 pages from a
 * startTime (binary search), each at the start, middle and end of the feed, and `latest`; the app's
 * storage requests are counted. Finally the same range query and point read straight through the
 * Tables API, to separate Azurite's cost per request from the app's. Each line carries the 1-minute
 * load average when it was measured (this is a shared 2-core machine).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { integersAtLeast, numberAtLeast } from './cliArgs';
import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import type { Azurite } from '../host/azurite';
import { startBenchFunctionsHost } from './benchHost';
import { COUNTER_ROW, FEED_PARTITION, sequenceRowKey } from '../shared/changefeed/changeFeedEntry';
import { resetConfig } from '../shared/config';
import { blobContainer, resetClients, table, tableNamed, TABLES } from '../shared/storage/clients';
import { allTableNames } from '../shared/storage/provision';
import { countStorageRequests } from './changefeedRequests';
import { feedEntryProperties, startPreloadedAzurite } from './changefeedLoki';
import { eventTime, seedFeed } from './changefeedSeed';
import { summarize } from './changefeedServer';

const PAGE_LIMIT = 100;
/** The table prefix of the seedFeed comparison table (any prefix but the app's). */
const API_CHECK_PREFIX = 'apicheck';

function load(): string {
  return `load ${os.loadavg()[0]?.toFixed(2) ?? '?'}`;
}

async function timeSamples(count: number, fn: () => Promise<void>): Promise<{ text: string; requests: number }> {
  const samples: number[] = [];
  let requests = 0;
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    requests = await countStorageRequests(fn);
    samples.push(performance.now() - start);
  }
  const { p50, p95 } = summarize(samples);
  return { text: `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms`, requests };
}

async function timePage(url: string, pages: number): Promise<string> {
  const { text, requests } = await timeSamples(pages, async () => {
    const response = await fetch(url);
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${body}`);
  });
  return `${text}, ${requests} storage requests (${load()})`;
}

/** The entity's own properties, without the keys, ETag and Timestamp, dates as ISO strings. */
function comparable(entity: TableEntityResult<Record<string, unknown>>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    if (['etag', 'timestamp', 'odata.metadata', 'partitionKey', 'rowKey'].includes(name)) continue;
    properties[name] = value instanceof Date ? value.toISOString() : value;
  }
  return properties;
}

function expected(sequence: number): Record<string, unknown> {
  const properties = feedEntryProperties(sequence);
  return { ...properties, EventTime: properties.EventTime.toISOString() };
}

function assertSame(what: string, actual: unknown, wanted: unknown): void {
  if (JSON.stringify(actual) !== JSON.stringify(wanted)) {
    throw new Error(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  }
}

/** Entries 1, n/2, n and the counter as the app's table client reads them, against seedFeed's values. */
async function verifyPreload(client: TableClient, size: number): Promise<void> {
  for (const sequence of [1, Math.floor(size / 2), size]) {
    const entity = await client.getEntity(FEED_PARTITION, sequenceRowKey(sequence));
    assertSame(`entry ${sequence}`, comparable(entity), expected(sequence));
  }
  const counter = await client.getEntity(FEED_PARTITION, COUNTER_ROW);
  assertSame('counter', comparable(counter), { Last: size, LastTimestamp: eventTime(size).getTime() });
  console.log(`  read back through the Tables API: entries 1, ${Math.floor(size / 2)}, ${size} and the counter match`);
}

/**
 * seedFeed writes entries 1-3 through the API into a table of another prefix; each must equal the
 * preloaded entry of the same sequence, property types included (as the SDK returns them).
 */
async function compareWithApiSeed(size: number): Promise<void> {
  const prefix = process.env.DICOM_TABLE_PREFIX;
  process.env.DICOM_TABLE_PREFIX = API_CHECK_PREFIX;
  resetConfig();
  resetClients();
  const apiTable = table('changeFeed');
  try {
    await apiTable.createTable();
    await seedFeed(1, 3);
  } finally {
    if (prefix === undefined) delete process.env.DICOM_TABLE_PREFIX;
    else process.env.DICOM_TABLE_PREFIX = prefix;
    resetConfig();
    resetClients();
  }
  for (const sequence of [1, 2, 3].filter((s) => s <= size)) {
    const rowKey = sequenceRowKey(sequence);
    const written = await apiTable.getEntity(FEED_PARTITION, rowKey);
    const preloaded = await table('changeFeed').getEntity(FEED_PARTITION, rowKey);
    assertSame(`entry ${sequence}, preloaded vs seedFeed`, comparable(preloaded), comparable(written));
  }
  await apiTable.deleteTable();
  console.log('  entries 1-3 equal those seedFeed writes through the API (all properties and types)');
}

/** What ensureStorage does once per process, for each fresh Azurite. */
async function provision(): Promise<void> {
  await Promise.all([
    blobContainer().createIfNotExists(),
    ...allTableNames().map((name) => tableNamed(name).createTable()),
  ]);
}

async function measure(baseUrl: string, size: number, pages: number, raw: number): Promise<void> {
  const offsets = { start: 0, middle: Math.floor(size / 2), end: size - PAGE_LIMIT };
  const v1 = `${baseUrl}/v1/changefeed?limit=${PAGE_LIMIT}&offset=`;
  const v2 = `${baseUrl}/v2/changefeed?limit=${PAGE_LIMIT}&startTime=`;
  for (const [where, offset] of Object.entries(offsets)) {
    console.log(`  v1 page of 100, ${where.padEnd(6)}        ${await timePage(`${v1}${offset}`, pages)}`);
  }
  for (const [where, offset] of Object.entries(offsets)) {
    const startTime = eventTime(offset + 1).toISOString();
    console.log(`  v2 window page of 100, ${where.padEnd(6)} ${await timePage(`${v2}${startTime}`, pages)}`);
  }
  console.log(`  latest                        ${await timePage(`${baseUrl}/v2/changefeed/latest`, pages)}`);

  // The app's own range query and point read, without the app.
  const client = table('changeFeed');
  for (const [where, offset] of Object.entries(offsets)) {
    const filter = odata`PartitionKey eq ${FEED_PARTITION} and RowKey gt ${sequenceRowKey(offset)} and RowKey le ${sequenceRowKey(offset + PAGE_LIMIT)}`;
    let rows = 0;
    const { text, requests } = await timeSamples(raw, async () => {
      rows = 0;
      for await (const _ of client.listEntities({ queryOptions: { filter } })) rows += 1;
    });
    if (rows !== PAGE_LIMIT) throw new Error(`range query at ${where} returned ${rows} rows`);
    console.log(`  Tables API range of 100, ${where.padEnd(6)} ${text}, ${requests} request (${load()})`);
  }
  const point = await timeSamples(raw, async () => {
    await client.getEntity(FEED_PARTITION, sequenceRowKey(offsets.middle + 1));
  });
  console.log(`  Tables API point read, middle   ${point.text}, ${point.requests} request (${load()})`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000,1000000' },
      pages: { type: 'string', default: '20' },
      raw: { type: 'string', default: '20' },
    },
  });
  const sizes = integersAtLeast('sizes', values.sizes, 1);
  const pages = Math.floor(numberAtLeast('pages', values.pages, 1));
  const raw = Math.floor(numberAtLeast('raw', values.raw, 1));

  const host = await startBenchFunctionsHost();
  const { url: baseUrl } = await host.http.listen(0, '127.0.0.1');
  try {
    for (const size of sizes) {
      const start = performance.now();
      let azurite: Azurite | undefined;
      try {
        // The config cannot be read before there is a connection string; checked right after.
        const tableName = `${process.env.DICOM_TABLE_PREFIX || 'dicom'}${TABLES.changeFeed}`;
        azurite = await startPreloadedAzurite(size, tableName);
        process.env.DICOM_STORAGE_CONNECTION_STRING = azurite.connectionString;
        resetConfig();
        resetClients();
        if (table('changeFeed').tableName !== tableName) throw new Error(`the app's feed table is not ${tableName}`);
        await provision();
        const seconds = ((performance.now() - start) / 1000).toFixed(1);
        console.log(`\nfeed of ${size} entries (Azurite started with them in ${seconds} s, ${load()}):`);
        await verifyPreload(table('changeFeed'), size);
        await compareWithApiSeed(size);
        await measure(baseUrl, size, pages, raw);
      } finally {
        await azurite?.stop();
      }
    }
  } finally {
    await host.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
