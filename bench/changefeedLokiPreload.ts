/**
 * Loaded into the Azurite child process (`node --require …/changefeedLokiPreload.js azurite.js`,
 * see changefeedLoki.ts) to put a large change feed into Azurite's table store before it listens.
 *
 * Why not through the Tables API: Azurite's insert checks for an existing row with a LokiJS
 * `findOne` that scans the whole partition, and adding a row to the PartitionKey binary index is
 * an `Array.splice` at the start of the run of equal keys, so a feed in one partition costs
 * O(n²) to write (40,000 entries: 182 s). Why not by writing Azurite's database file
 * (`__azurite_db_table__.json` under `--location`): LokiJS's fs adapter reads that file into one
 * string and Azurite re-serializes it with `JSON.stringify` at start-up; a faithful entity document
 * is ~615 characters at sequence 1,000,000, so 1,000,000 of them (~630 MB) exceed V8's maximum
 * string length (536,870,888 characters) and cannot be loaded.
 *
 * Instead this wraps `LokiTableMetadataStore.init`: once Azurite has set up its (in-memory)
 * database, the table is registered as `createTable` would and the documents are appended to its
 * collection exactly as `insertTableEntity` + Loki's `insert` would store them (same fields,
 * `Timestamp` properties, weak datetime ETag, Loki `meta` and `$loki`), then both binary indices
 * are rebuilt once. Nothing of Azurite's read path is changed: queries and point reads run the
 * code they run on entities written through the API.
 *
 * Configured by environment (inherited from the benchmark): CHANGEFEED_PRELOAD_ENTRIES (entries
 * 1..n plus the counter row) and CHANGEFEED_PRELOAD_TABLE (the table name, prefix included).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { COUNTER_ROW, FEED_PARTITION, sequenceRowKey } from '../shared/changefeed/changeFeedEntry';
import { AZURITE_ACCOUNT } from '../host/azurite';
import { feedEntryProperties, PRELOAD_ENTRIES_ENV, PRELOAD_TABLE_ENV } from './changefeedLoki';

/** The parts of LokiJS and of Azurite's store that this file touches (neither ships types for them). */
interface LokiCollection {
  data: Record<string, unknown>[];
  maxId: number;
  idIndex: number[] | null;
  dirty: boolean;
  binaryIndices: Record<string, { name: string; dirty: boolean; values: number[] }>;
  insert(doc: Record<string, unknown>): unknown;
  checkIndex(property: string): boolean;
}
interface LokiDb {
  getCollection(name: string): LokiCollection | null;
}
interface TableStore {
  db: LokiDb;
  TABLES_COLLECTION: string;
  createCollectionForTable(table: { account: string; table: string }): void;
  getTableCollectionName(account: string, table: string): string;
  init: (this: TableStore) => Promise<void>;
}

type Properties = Record<string, string | number>;

function install(entries: number, tableName: string): void {
  // The module Azurite itself loads (same resolved path, so the same prototype).
  const azuriteDir = path.dirname(require.resolve('azurite/package.json'));
  const storeFile = path.join(azuriteDir, 'dist', 'src', 'table', 'persistence', 'LokiTableMetadataStore.js');
  const storeModule = createRequire(__filename)(storeFile) as {
    default: { prototype: TableStore };
  };
  const prototype = storeModule.default.prototype;
  const init = prototype.init;
  prototype.init = async function (this: TableStore): Promise<void> {
    await init.call(this);
    const start = performance.now();
    populate(this, entries, tableName);
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    console.log(`[preload] ${entries} change-feed entries in ${tableName} in ${seconds} s`);
  };
}

function populate(store: TableStore, entries: number, tableName: string): void {
  // What createTable stores: a row in the tables collection and an empty entity collection.
  const tables = store.db.getCollection(store.TABLES_COLLECTION);
  if (!tables) throw new Error('Azurite has no tables collection after init');
  tables.insert({ account: AZURITE_ACCOUNT, table: tableName });
  store.createCollectionForTable({ account: AZURITE_ACCOUNT, table: tableName });
  const collection = store.db.getCollection(store.getTableCollectionName(AZURITE_ACCOUNT, tableName));
  if (!collection) throw new Error(`collection of ${tableName} was not created`);

  const clock = new HighPrecisionClock();
  const created = Date.now();
  const append = (rowKey: string, properties: Properties): void => {
    const modified = clock.next();
    collection.maxId += 1;
    collection.data.push({
      PartitionKey: FEED_PARTITION,
      RowKey: rowKey,
      properties: {
        PartitionKey: FEED_PARTITION,
        RowKey: rowKey,
        ...properties,
        Timestamp: modified,
        'Timestamp@odata.type': 'Edm.DateTime',
      },
      lastModifiedTime: modified,
      eTag: `W/"datetime'${encodeURIComponent(modified)}'"`,
      meta: { revision: 0, created, version: 0 },
      $loki: collection.maxId,
    });
  };
  for (let sequence = 1; sequence <= entries; sequence += 1) {
    const { EventTime, ...rest } = feedEntryProperties(sequence);
    append(sequenceRowKey(sequence), {
      ...rest,
      EventTime: EventTime.toISOString(),
      'EventTime@odata.type': 'Edm.DateTime',
    });
  }
  append(COUNTER_ROW, { Last: entries, LastTimestamp: feedEntryProperties(entries).EventTime.getTime() });
  // Loki's insert keeps the binary indices (positions in `data`, in key order) up to date one
  // document at a time. Here they are known: one PartitionKey; RowKey order is `counter` (the last
  // document) then the `seq-` rows in sequence order. Checked in full below, not trusted.
  const positions = Array.from({ length: entries }, (_, position) => position);
  collection.binaryIndices.PartitionKey = { name: 'PartitionKey', dirty: false, values: [...positions, entries] };
  collection.binaryIndices.RowKey = { name: 'RowKey', dirty: false, values: [entries, ...positions] };
  for (const index of ['PartitionKey', 'RowKey']) {
    if (!collection.checkIndex(index)) throw new Error(`preloaded ${index} index is not in key order`);
  }
  collection.idIndex = null; // rebuilt by Loki on first use
  collection.dirty = true;
}

/** Azurite's high-precision timestamps (`2024-01-01T00:00:00.1234567Z`), strictly increasing. */
class HighPrecisionClock {
  private readonly base = Date.now();
  private tick = 0;

  next(): string {
    const ms = this.base + Math.floor(this.tick / 10_000);
    const sub = String(this.tick % 10_000).padStart(4, '0');
    this.tick += 1;
    return `${new Date(ms).toISOString().slice(0, -1)}${sub}Z`;
  }
}

const entries = Number(process.env[PRELOAD_ENTRIES_ENV] ?? '0');
const tableName = process.env[PRELOAD_TABLE_ENV];
if (entries > 0 && tableName) install(entries, tableName);
