/**
 * Keeps a study's summaries and their index entries in step with its visible instances
 * (docs/search.md). Every store and delete refreshes the studies it touched before it answers,
 * so a search after a 200/204 sees the change; the sweeper refreshes what a dead process left.
 *
 * One refresh: read the summary rows (with the study row's ETag), recompute from the instance
 * partition, upsert the index entries the new summary adds, read the ETags of those it drops,
 * write the summary rows in one transaction guarded by the study row's ETag (a concurrent
 * refresh makes it fail and this one starts over), then delete the dropped entries, each only if
 * its ETag is unchanged (a later refresh that re-adds an entry rewrites it, so the delete fails).
 * An index entry can therefore be stale (it is re-checked on read) but never missing.
 */
import type { TransactionAction } from '@azure/data-tables';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { table, tableNamed } from '../storage/clients';
import { listVisibleInstances, type VisibleInstance } from '../storage/instanceQueries';
import { PartitionBatcher } from '../storage/partitionBatcher';
import { deleteIfUnchanged } from '../storage/conditionalDelete';
import { isStorageStatus } from '../storage/storageErrors';
import { entryId, summaryIndexEntries, type IndexEntry } from './indexEntries';
import { readStoredStudy, seriesEntity, STUDY_ROW_KEY, studyEntity, type StoredStudy } from './summaryRows';
import { summarizeStudy, type StudySummary, type SummaryInstanceRow } from './studySummary';

const MAX_ATTEMPTS = 20;
/** What a summary needs of each instance besides the keys every listing returns. */
const SUMMARY_COLUMNS = ['Sequence', 'QidoAttributes'];
const INDEX_WRITE_CONCURRENCY = 16;
const MAX_OPERATIONS_PER_TRANSACTION = 100;

/** Refreshes several studies, a few at a time. */
export async function refreshStudies(studyInstanceUids: Iterable<string>): Promise<void> {
  await mapConcurrently([...new Set(studyInstanceUids)], 4, (uid) => refreshStudy(uid));
}

interface Flight {
  running: Promise<void>;
  next: Promise<void> | undefined;
}
const flights = new Map<string, Flight>();

/**
 * Resolves once a refresh that started after this call has finished. Calls for a study that
 * arrive while its refresh runs share one follow-up refresh (a STOW of many instances of one
 * study, or a burst of concurrent requests, costs two refreshes, not one per instance).
 */
export function refreshStudy(studyInstanceUid: string): Promise<void> {
  const flight = flights.get(studyInstanceUid);
  if (!flight) return startFlight(studyInstanceUid);
  flight.next ??= flight.running
    .catch(() => undefined)
    .then(() => {
      flights.delete(studyInstanceUid);
      return startFlight(studyInstanceUid);
    });
  return flight.next;
}

function startFlight(studyInstanceUid: string): Promise<void> {
  const flight: Flight = { running: refreshOnce(studyInstanceUid), next: undefined };
  flights.set(studyInstanceUid, flight);
  void flight.running
    .finally(() => {
      if (flights.get(studyInstanceUid) === flight && flight.next === undefined) flights.delete(studyInstanceUid);
    })
    .catch(() => undefined);
  return flight.running;
}

async function refreshOnce(studyInstanceUid: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    // Read together: any change either read misses is followed by its own refresh, whose write makes
    // this one's ETag check fail (or comes after it), so the last summary written is always current.
    const [stored, summary] = await Promise.all([
      readStoredStudy(studyInstanceUid),
      summarizeStudy(studyInstanceUid, visibleInstanceRows(studyInstanceUid)),
    ]);
    const before = new Map(summaryIndexEntries(stored?.summary).map((e) => [entryId(e), e]));
    const after = new Map(summaryIndexEntries(summary).map((e) => [entryId(e), e]));
    const added = [...after].filter(([id]) => !before.has(id)).map(([, e]) => e);
    const dropped = [...before].filter(([id]) => !after.has(id)).map(([, e]) => e);
    await mapConcurrently(added, INDEX_WRITE_CONCURRENCY, writeEntry);
    const droppedEtags = await mapConcurrently(dropped, INDEX_WRITE_CONCURRENCY, readEntryEtag);
    try {
      await writeSummary(studyInstanceUid, stored, summary);
    } catch (error) {
      if (isStorageStatus(error, 409, 412) && attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
    await mapConcurrently(dropped, INDEX_WRITE_CONCURRENCY, (entry, i) => deleteEntry(entry, droppedEtags[i]));
    return;
  }
}

function visibleInstanceRows(studyInstanceUid: string): AsyncIterable<SummaryInstanceRow> {
  return listVisibleInstances({ studyInstanceUid }, SUMMARY_COLUMNS) as AsyncIterable<
    VisibleInstance & SummaryInstanceRow
  >;
}

/**
 * The summary rows, in one transaction per 100 rows; the first one carries the study row's ETag
 * check. A study with no visible instance left loses its study row first (a guarded single
 * delete: transactions cannot check ETags on deletes), then its series rows.
 */
async function writeSummary(
  studyInstanceUid: string,
  stored: StoredStudy | undefined,
  summary: StudySummary | undefined,
): Promise<void> {
  const client = table('studies');
  const actions: TransactionAction[] = [];
  if (summary) {
    const entity = studyEntity(summary);
    actions.push(stored ? ['update', entity, 'Replace', { etag: stored.etag }] : ['create', entity]);
    for (const series of summary.series) actions.push(['upsert', seriesEntity(studyInstanceUid, series), 'Replace']);
  } else if (stored) {
    await client.deleteEntity(studyInstanceUid, STUDY_ROW_KEY, { etag: stored.etag });
  }
  const kept = new Set(summary?.series.map((s) => s.seriesInstanceUid));
  for (const series of stored?.summary.series ?? []) {
    if (!kept.has(series.seriesInstanceUid)) {
      actions.push(['delete', { partitionKey: studyInstanceUid, rowKey: series.seriesInstanceUid }]);
    }
  }
  for (let start = 0; start < actions.length; start += MAX_OPERATIONS_PER_TRANSACTION) {
    const chunk = actions.slice(start, start + MAX_OPERATIONS_PER_TRANSACTION);
    try {
      await client.submitTransaction(chunk);
    } catch (error) {
      // A series row someone else removed already is no reason to redo the refresh.
      if (start > 0 || summary || !isStorageStatus(error, 404)) throw error;
    }
  }
}

const batchers = new Map<string, PartitionBatcher>();

function batcherFor(tableName: string): PartitionBatcher {
  let batcher = batchers.get(tableName);
  if (!batcher) {
    batcher = new PartitionBatcher(() => tableNamed(tableName));
    batchers.set(tableName, batcher);
  }
  return batcher;
}

async function writeEntry(entry: IndexEntry): Promise<void> {
  await batcherFor(entry.table).submit([
    'upsert',
    { partitionKey: entry.partitionKey, rowKey: entry.rowKey },
    'Replace',
  ]);
}

async function readEntryEtag(entry: IndexEntry): Promise<string | undefined> {
  try {
    const entity = await tableNamed(entry.table).getEntity(entry.partitionKey, entry.rowKey);
    return entity.etag;
  } catch (error) {
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
}

async function deleteEntry(entry: IndexEntry, etag: string | undefined): Promise<void> {
  // A 412 means a later refresh re-added the entry: it stays.
  if (etag !== undefined) await deleteIfUnchanged(tableNamed(entry.table), entry.partitionKey, entry.rowKey, etag);
}
