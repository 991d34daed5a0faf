/**
 * Brings a study's index entries in line with the summary a refresh wrote (docs/search.md,
 * "Writes"). The refresh applies its plan, then *finishes*: it clears the study row's
 * `IndexPending` flag (or deletes the tombstone) only if the row is still the version it wrote.
 * If someone wrote the row since, this refresh's entries may have landed after theirs, so it
 * reads the row again and writes the whole index of that version, until a finish succeeds.
 * Whoever writes an entry last therefore checks afterwards that the row has not moved on.
 */
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { table, tableNamed } from '../storage/clients';
import { deleteIfExists, deleteIfUnchanged } from '../storage/conditionalDelete';
import { getEntityIfExists } from '../storage/entityReads';
import { batcherOf } from '../storage/partitionBatcher';
import { isStorageStatus } from '../storage/storageErrors';
import { entryId, type IndexEntry } from './indexEntries';
import { planWholeIndex, type IndexPlan } from './indexPlan';
import { intentRowKey, readStoredStudy, STUDY_ROW_KEY, type StoredIntent, type StoredStudy } from './summaryRows';

const INDEX_WRITE_CONCURRENCY = 16;
/** Rounds before giving up (the study row stays flagged; the next refresh of the study finishes). */
const MAX_ROUNDS = 10;

/** The study row a refresh wrote (or found, in later rounds), and the intents it may clear. */
export interface WrittenVersion {
  /** Undefined when there is no study row. */
  readonly etag: string | undefined;
  readonly tombstone: boolean;
  readonly pending: boolean;
  readonly intents: readonly StoredIntent[];
}

export async function settleIndex(studyInstanceUid: string, plan: IndexPlan, written: WrittenVersion): Promise<void> {
  const writes = new Map<string, IndexEntry>();
  let work = plan;
  let version = written;
  for (let round = 1; ; round++) {
    for (const entry of work.upserts) writes.set(entryId(entry), entry);
    await mapConcurrently(work.upserts, INDEX_WRITE_CONCURRENCY, writeEntry);
    await mapConcurrently(work.deletes, INDEX_WRITE_CONCURRENCY, removeEntry);
    if (await finish(studyInstanceUid, version)) return;
    if (round >= MAX_ROUNDS) {
      throw new Error(`The search index of study ${studyInstanceUid} did not settle in ${MAX_ROUNDS} rounds`);
    }
    const current = await readStoredStudy(studyInstanceUid);
    work = planWholeIndex(current, writes.values());
    version = versionOf(current);
  }
}

/** The study row as read: what a refresh that writes no summary of its own settles against. */
export function versionOf(stored: StoredStudy): WrittenVersion {
  return {
    etag: stored.etag,
    tombstone: stored.etag !== undefined && !stored.summary,
    pending: stored.indexPending,
    intents: stored.intents,
  };
}

/** True when the study row is still `version`; then its flag, tombstone and intents are cleared. */
async function finish(studyInstanceUid: string, version: WrittenVersion): Promise<boolean> {
  const studies = table('studies');
  try {
    if (version.etag === undefined) {
      if (await studyRowEtag(studyInstanceUid)) return false;
    } else if (version.tombstone) {
      await studies.deleteEntity(studyInstanceUid, STUDY_ROW_KEY, { etag: version.etag });
    } else if (version.pending) {
      const cleared = { partitionKey: studyInstanceUid, rowKey: STUDY_ROW_KEY, IndexPending: false };
      await studies.updateEntity(cleared, 'Merge', { etag: version.etag });
    } else if ((await studyRowEtag(studyInstanceUid)) !== version.etag) {
      return false;
    }
  } catch (error) {
    if (isStorageStatus(error, 404, 412)) return false;
    throw error;
  }
  await mapConcurrently(version.intents, INDEX_WRITE_CONCURRENCY, (intent) =>
    deleteIfUnchanged(studies, studyInstanceUid, intentRowKey(intent.entry), intent.etag),
  );
  return true;
}

async function studyRowEtag(studyInstanceUid: string): Promise<string | undefined> {
  const row = await getEntityIfExists(table('studies'), studyInstanceUid, STUDY_ROW_KEY, {
    queryOptions: { select: ['RowKey'] },
  });
  return row?.etag;
}

async function writeEntry(entry: IndexEntry): Promise<void> {
  // Replace, not Merge: an entry of an earlier release that carried a copy of the summary loses it.
  await batcherOf(tableNamed(entry.table)).submit([
    'upsert',
    { partitionKey: entry.partitionKey, rowKey: entry.rowKey },
    'Replace',
  ]);
}

function removeEntry(entry: IndexEntry): Promise<void> {
  return deleteIfExists(tableNamed(entry.table), entry.partitionKey, entry.rowKey);
}
