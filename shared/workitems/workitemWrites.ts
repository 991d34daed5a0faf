/**
 * Every change of a workitem is one ETag-guarded write of its entity; its index entries are
 * written around it so that a search never misses the current version (docs/workitems.md,
 * "Consistency"):
 *
 * 1. write the entries the new version adds (before the entity: a crash after the entity write
 *    must not leave it unfindable),
 * 2. replace the entity if its ETag is still the one read (else ConcurrentWorkitemChange),
 * 3. write the added entries again (a concurrent writer's step 4 may have deleted them between 1 and 2),
 * 4. delete the entries only the old version had, then read the entity back: if someone wrote it
 *    since step 2, write that version's entries again (our deletes may have removed one it needs)
 *    and withdraw ours that it does not want.
 *
 * A write that loses the ETag race, and a create that finds its UID taken, withdraw the entries
 * they wrote that the stored version does not want. Only a crash between the steps leaves entries
 * that point at a workitem that no longer matches them; searches check every candidate against
 * the entity, so those cost a read and nothing else.
 */
import type { TableClient } from '@azure/data-tables';
import { entryId, type IndexEntry } from '../search/indexEntries';
import { tableNamed } from '../storage/clients';
import { isStorageStatus } from '../storage/storageErrors';
import { workitemIndexEntries } from './workitemIndexEntries';
import type { StoredWorkitem, WorkitemRecord } from './workitemRecord';
import {
  ConcurrentWorkitemChange,
  createWorkitemEntity,
  entityOf,
  readWorkitem,
  replaceWorkitemEntity,
  WorkitemExists,
} from './workitemStore';

export async function createWorkitem(record: WorkitemRecord): Promise<void> {
  const entity = entityOf(record); // 413 before any write when the dataset is over the cap
  const entries = workitemIndexEntries(record);
  await upsertEntries(entries);
  try {
    await createWorkitemEntity(entity);
  } catch (error) {
    if (error instanceof WorkitemExists) await withdraw(record.uid, entries);
    throw error;
  }
}

export async function replaceWorkitem(before: StoredWorkitem, after: WorkitemRecord): Promise<void> {
  const entity = entityOf(after); // 413 before any write when the dataset is over the cap
  const old = workitemIndexEntries(before.record);
  const wanted = workitemIndexEntries(after);
  const oldIds = new Set(old.map(entryId));
  const wantedIds = new Set(wanted.map(entryId));
  const added = wanted.filter((e) => !oldIds.has(entryId(e)));
  const dropped = old.filter((e) => !wantedIds.has(entryId(e)));
  await upsertEntries(added);
  let etag: string;
  try {
    etag = await replaceWorkitemEntity(entity, before.etag);
  } catch (error) {
    if (error instanceof ConcurrentWorkitemChange) await withdraw(after.uid, added);
    throw error;
  }
  if (added.length === 0 && dropped.length === 0) return;
  await upsertEntries(added);
  await deleteEntries(dropped);
  const now = await readWorkitem(after.uid);
  if (now && now.etag !== etag) {
    await upsertEntries(workitemIndexEntries(now.record));
    await withdraw(after.uid, added);
  }
}

/**
 * Deletes the entries of `written` the stored version does not want, then reads it again: if it
 * changed meanwhile, its writer may have wanted one of them, so its entries are written again.
 * Best effort: what a failure leaves is a stale entry, which costs a read and nothing else.
 */
async function withdraw(uid: string, written: readonly IndexEntry[]): Promise<void> {
  try {
    const current = await readWorkitem(uid);
    // No workitem (none is ever deleted, so it is being created): its creator's entries may be these.
    if (!current) return;
    const wanted = new Set(workitemIndexEntries(current.record).map(entryId));
    const unwanted = written.filter((e) => !wanted.has(entryId(e)));
    if (unwanted.length === 0) return;
    await deleteEntries(unwanted);
    const now = await readWorkitem(uid);
    if (now && now.etag !== current.etag) await upsertEntries(workitemIndexEntries(now.record));
  } catch {
    // The caller's answer (409) stands; the entries stay as stale pointers.
  }
}

async function upsertEntries(entries: readonly IndexEntry[]): Promise<void> {
  await Promise.all(
    entries.map((e) => client(e).upsertEntity({ partitionKey: e.partitionKey, rowKey: e.rowKey }, 'Replace')),
  );
}

async function deleteEntries(entries: readonly IndexEntry[]): Promise<void> {
  await Promise.all(
    entries.map(async (e) => {
      try {
        await client(e).deleteEntity(e.partitionKey, e.rowKey);
      } catch (error) {
        if (!isStorageStatus(error, 404)) throw error;
      }
    }),
  );
}

function client(entry: IndexEntry): TableClient {
  return tableNamed(entry.table);
}
