import type { TableClient, TransactionAction } from '@azure/data-tables';
import { BadRequestError } from '../errors';
import { globalTableNamed, PARTITIONS_TABLE } from '../storage/clients';
import { getEntityIfExists } from '../storage/entityReads';
import { isStorageStatus } from '../storage/storageErrors';
import { provisionPartitionStorage } from '../storage/provision';
import { DEFAULT_PARTITION, type Partition } from './partition';
import { runInPartition } from './partitionContext';

/** A partition as `GET /v{n}/partitions` lists it. */
export interface PartitionEntry extends Partition {
  readonly createdDate: Date;
}

/**
 * The registry of partitions: one global table, one partition of it, a row per partition name
 * (RowKey `n-{name}`: Key, CreatedDate, Provisioned) and a counter row holding the last key given
 * out. A new name takes the next key in one transaction with the counter's ETag, so two processes
 * creating the same name at once agree on one key (the loser's transaction fails and it reads the
 * winner's row) and two names never share a key. Partitions are never deleted or renamed, so a
 * provisioned one is cached for the life of the process.
 */
const REGISTRY_PARTITION = 'partitions';
const COUNTER_ROW = 'counter';
const MAX_CONFLICT_RETRIES = 50;
/** `P` and 7 digits keep every table name within 63 characters (docs/limits.md). */
const MAX_PARTITION_KEY = 9_999_999;

export interface RegistryRow {
  Key: number;
  CreatedDate: Date;
  Provisioned?: boolean;
}

const known = new Map<string, Partition>();
const pending = new Map<string, Promise<Partition>>();

function registry(): TableClient {
  return globalTableNamed(PARTITIONS_TABLE);
}

function rowKey(name: string): string {
  return `n-${name}`;
}

/** Creates the registry table and the default partition's row (idempotent; with partitions enabled). */
export async function provisionRegistry(): Promise<void> {
  await registry().createTable();
  try {
    await registry().createEntity({
      partitionKey: REGISTRY_PARTITION,
      rowKey: rowKey(DEFAULT_PARTITION.name),
      Key: DEFAULT_PARTITION.key,
      CreatedDate: new Date(),
      Provisioned: true,
    });
  } catch (error) {
    if (!isStorageStatus(error, 409)) throw error;
  }
}

/** The partition of that name, ready for use; undefined if it was never created. */
export async function findPartition(name: string): Promise<Partition | undefined> {
  if (name === DEFAULT_PARTITION.name) return DEFAULT_PARTITION;
  const cached = known.get(name);
  if (cached) return cached;
  const row = await readRow(name);
  return row ? provisioned(name, row) : undefined;
}

/**
 * Runs `work` inside the named partition (the change feed's entries name theirs); undefined when
 * no such partition exists.
 */
export async function inPartitionNamed<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
  const partition = await findPartition(name);
  return partition ? runInPartition(partition, work) : undefined;
}

/** The partition of that name, created (key, tables, container) if it does not exist yet. */
export async function ensurePartition(name: string): Promise<Partition> {
  const found = await findPartition(name);
  if (found) return found;
  // Concurrent first stores into one new partition in this process share one creation.
  let creation = pending.get(name);
  if (!creation) {
    creation = create(name).finally(() => pending.delete(name));
    pending.set(name, creation);
  }
  return creation;
}

/** Every partition, default first then by key. */
export async function listPartitions(): Promise<PartitionEntry[]> {
  const entries: PartitionEntry[] = [];
  const rows = registry().listEntities<RegistryRow>({
    queryOptions: { filter: `PartitionKey eq '${REGISTRY_PARTITION}' and RowKey ge 'n-' and RowKey lt 'n.'` },
  });
  for await (const row of rows) {
    entries.push({ key: Number(row.Key), name: (row.rowKey ?? '').slice(2), createdDate: new Date(row.CreatedDate) });
  }
  return entries.sort((a, b) => a.key - b.key);
}

/** Whether any partition besides the default one was ever created (one read; no registry: none). */
export async function namedPartitionsExist(): Promise<boolean> {
  try {
    const counter = await getEntityIfExists<{ Last: number }>(registry(), REGISTRY_PARTITION, COUNTER_ROW);
    return counter !== undefined && Number(counter.Last) > DEFAULT_PARTITION.key;
  } catch (error) {
    if (isStorageStatus(error, 404)) return false; // the registry table does not exist
    throw error;
  }
}

async function readRow(name: string): Promise<RegistryRow | undefined> {
  return getEntityIfExists<RegistryRow>(registry(), REGISTRY_PARTITION, rowKey(name));
}

async function create(name: string): Promise<Partition> {
  return provisioned(name, await registerName(name));
}

/**
 * The registry row of `name`, written with the next key unless it exists. Exported for the test of
 * concurrent creations from several processes (each process's creations of one name share one call).
 */
export async function registerName(name: string): Promise<RegistryRow> {
  for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
    const counter = await getEntityIfExists<{ Last: number }>(registry(), REGISTRY_PARTITION, COUNTER_ROW);
    const key = (counter ? Number(counter.Last) : DEFAULT_PARTITION.key) + 1;
    if (key > MAX_PARTITION_KEY) {
      throw new BadRequestError('No more data partitions can be created.', 'TooManyPartitions');
    }
    const row = { partitionKey: REGISTRY_PARTITION, rowKey: rowKey(name), Key: key, CreatedDate: new Date() };
    const counterRow = { partitionKey: REGISTRY_PARTITION, rowKey: COUNTER_ROW, Last: key };
    const actions: TransactionAction[] = [
      counter ? ['update', counterRow, 'Replace', { etag: counter.etag }] : ['create', counterRow],
      ['create', { ...row, Provisioned: false }],
    ];
    try {
      await registry().submitTransaction(actions);
      return row;
    } catch (error) {
      // 412: another name took the key; 409: the counter or this name appeared meanwhile.
      if (!isStorageStatus(error, 409, 412)) throw error;
    }
    const winner = await readRow(name);
    if (winner) return winner;
  }
  throw new Error('The partition registry stayed contended after many retries.');
}

/**
 * Makes sure the partition's storage exists before it is used: a crash between the registry row
 * and the tables leaves `Provisioned` false, and the next use finishes the job (creation is
 * idempotent).
 */
async function provisioned(name: string, row: RegistryRow): Promise<Partition> {
  const partition: Partition = { key: Number(row.Key), name };
  if (row.Provisioned !== true) {
    await runInPartition(partition, provisionPartitionStorage);
    await registry().updateEntity(
      { partitionKey: REGISTRY_PARTITION, rowKey: rowKey(name), Provisioned: true },
      'Merge',
    );
  }
  known.set(name, partition);
  return partition;
}
