/**
 * Writes index entries and value rows: upserts grouped into entity-group transactions per
 * partition (at most 100 each), a bounded number in flight. Upserts of deterministic entities,
 * so a repeated write (a re-run reindex step, STOW and reindex on one instance) changes nothing.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { tagIndexTable, tagValueTable, type TagWrite } from './tagIndex';

const MAX_PER_TRANSACTION = 100;
const CONCURRENCY = 16;

export async function writeTagEntries(writes: readonly TagWrite[]): Promise<void> {
  if (writes.length === 0) return;
  // The last write of an entity wins (a later instance of a study replaces an earlier value).
  const unique = new Map<string, TagWrite>();
  for (const w of writes) unique.set(`${w.table}\n${w.partitionKey}\n${w.rowKey}`, w);
  const groups = new Map<string, TagWrite[]>();
  for (const w of unique.values()) {
    const id = `${w.table}\n${w.partitionKey}`;
    const group = groups.get(id);
    if (group) group.push(w);
    else groups.set(id, [w]);
  }
  const batches: TagWrite[][] = [];
  for (const group of groups.values()) {
    for (let i = 0; i < group.length; i += MAX_PER_TRANSACTION) batches.push(group.slice(i, i + MAX_PER_TRANSACTION));
  }
  await mapConcurrently(batches, CONCURRENCY, (batch) => writeBatch(batch));
}

async function writeBatch(batch: readonly TagWrite[]): Promise<void> {
  const [first] = batch;
  if (!first) return;
  const client: TableClient = first.table === 'index' ? tagIndexTable() : tagValueTable();
  const entity = (w: TagWrite) => ({
    partitionKey: w.partitionKey,
    rowKey: w.rowKey,
    ...(w.value !== undefined ? { V: w.value } : {}),
  });
  if (batch.length === 1) {
    await client.upsertEntity(entity(first), 'Replace');
    return;
  }
  const actions: TransactionAction[] = batch.map((w) => ['upsert', entity(w), 'Replace']);
  await client.submitTransaction(actions);
}
