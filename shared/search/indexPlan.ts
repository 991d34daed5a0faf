/**
 * What a summary refresh must do to the index entries (pure; docs/search.md, "Writes"): write
 * the entries the new summary adds, delete the ones it drops. Entries are bare keys, so a summary
 * whose keys stay the same (new counts, a new modality list) changes no entry. When the stored
 * study shows an unfinished refresh (its `IndexPending` flag or drop intents), or the caller asks
 * for it (a rebuild that rewrites every entry), every entry of the new summary is written, since a
 * dead process may have left any of them missing.
 */
import { entryId, summaryIndexEntries, type IndexEntry } from './indexEntries';
import type { StudySummary } from './studySummary';
import type { StoredStudy } from './summaryRows';

export interface IndexPlan {
  readonly upserts: readonly IndexEntry[];
  /**
   * Entries to delete, none of which the new summary has: the ones it drops and those of earlier
   * drop intents. Recorded as intents before the summary is written, so a crash cannot lose them.
   */
  readonly deletes: readonly IndexEntry[];
}

export function planIndexChanges(
  stored: StoredStudy,
  summary: StudySummary | undefined,
  rewriteAll = false,
): IndexPlan {
  const before = byId(summaryIndexEntries(stored.summary));
  const after = byId(summaryIndexEntries(summary));
  const everything = rewriteAll || stored.indexPending || stored.intents.length > 0;
  return {
    upserts: [...after].filter(([id]) => everything || !before.has(id)).map(([, entry]) => entry),
    deletes: absentFrom(after, [...stored.intents.map((i) => i.entry), ...before.values()]),
  };
}

/** Everything that makes the index match `stored`, and undoes `alsoWritten` where it does not belong. */
export function planWholeIndex(stored: StoredStudy, alsoWritten: Iterable<IndexEntry>): IndexPlan {
  const after = byId(summaryIndexEntries(stored.summary));
  return {
    upserts: [...after.values()],
    deletes: absentFrom(after, [...stored.intents.map((i) => i.entry), ...alsoWritten]),
  };
}

export function touchesIndex(plan: IndexPlan): boolean {
  return plan.upserts.length > 0 || plan.deletes.length > 0;
}

function absentFrom(kept: ReadonlyMap<string, IndexEntry>, entries: readonly IndexEntry[]): IndexEntry[] {
  return [...byId(entries)].filter(([id]) => !kept.has(id)).map(([, entry]) => entry);
}

function byId(entries: Iterable<IndexEntry>): Map<string, IndexEntry> {
  const map = new Map<string, IndexEntry>();
  for (const entry of entries) map.set(entryId(entry), entry);
  return map;
}
