/**
 * Every change of a workitem is one ETag-guarded write of its entity; its index entries are
 * written around it so that a search never misses the current version (docs/workitems.md,
 * "Consistency"):
 *
 * 1. write the entries the new version adds (before the entity: a crash after the entity write
 *    must not leave it unfindable),
 * 2. replace the entity if its ETag is still the one read (else ConcurrentWorkitemChange),
 * 3. write the added entries again (a concurrent writer's step 4 may have deleted them between 1 and 2),
 * 4. delete the entries only the old version had, then read the entity: if someone wrote it since
 *    step 2, write that version's entries again (our delete may have removed one it needs).
 *
 * Entries left by a failed or crashed write point at a workitem that no longer matches them;
 * searches check every candidate against the entity, so they cost a read and nothing else.
 */
import type { TableClient } from '@azure/data-tables';
import { entryId, type IndexEntry } from '../search/indexEntries';
import { tableNamed } from '../storage/clients';
import { isStorageStatus } from '../storage/storageErrors';
import { workitemIndexEntries } from './workitemIndexEntries';
import type { StoredWorkitem, WorkitemRecord } from './workitemRecord';
import { createWorkitemEntity, entityOf, readWorkitem, replaceWorkitemEntity } from './workitemStore';

export async function createWorkitem(record: WorkitemRecord): Promise<void> {
  entityOf(record); // 413 before any write when the dataset is over the cap
  await upsertEntries(workitemIndexEntries(record));
  await createWorkitemEntity(record);
}

export async function replaceWorkitem(before: StoredWorkitem, after: WorkitemRecord): Promise<void> {
  entityOf(after); // 413 before any write when the dataset is over the cap
  const old = workitemIndexEntries(before.record);
  const wanted = workitemIndexEntries(after);
  const oldIds = new Set(old.map(entryId));
  const wantedIds = new Set(wanted.map(entryId));
  const added = wanted.filter((e) => !oldIds.has(entryId(e)));
  const dropped = old.filter((e) => !wantedIds.has(entryId(e)));
  await upsertEntries(added);
  const etag = await replaceWorkitemEntity(after, before.etag);
  if (added.length === 0 && dropped.length === 0) return;
  await upsertEntries(added);
  await deleteEntries(dropped);
  if (dropped.length === 0) return;
  const now = await readWorkitem(after.uid);
  if (now && now.etag !== etag) await upsertEntries(workitemIndexEntries(now.record));
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
