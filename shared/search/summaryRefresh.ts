/**
 * Keeps a study's summaries and their index entries in step with its visible instances
 * (docs/search.md, "Writes"). Every store and delete refreshes the studies it touched before it
 * answers, so a search after a 200/204 sees the change; the sweeper refreshes what a dead process
 * left.
 *
 * One refresh: read the study's partition (summary rows, drop intents, the study row's ETag),
 * recompute the summary from the instance partition, plan the index changes (indexPlan.ts),
 * record the entries to delete as drop intents, write the summary rows in one transaction guarded
 * by the study row's ETag (a concurrent refresh makes it fail and this one starts over), flagged
 * `IndexPending` when the index must change; then settle the index (indexSettle.ts).
 */
import type { TransactionAction } from '@azure/data-tables';
import { currentPartition } from '../partitions/partitionContext';
import { mapConcurrently } from '../changefeed/mapConcurrently';
import { table } from '../storage/clients';
import { listVisibleInstances, type VisibleInstance } from '../storage/instanceQueries';
import { isStorageStatus } from '../storage/storageErrors';
import { planIndexChanges, planWholeIndex, touchesIndex, type IndexPlan } from './indexPlan';
import { settleIndex, versionOf, type WrittenVersion } from './indexSettle';
import {
  intentEntity,
  intentRowKey,
  readStoredStudy,
  sameSummary,
  seriesEntity,
  STUDY_ROW_KEY,
  studyEntity,
  tombstoneEntity,
  type StoredIntent,
  type StoredStudy,
} from './summaryRows';
import { mergeIntoSummary, summarizeStudy, type StudySummary, type SummaryInstanceRow } from './studySummary';

const MAX_ATTEMPTS = 20;
/** What a summary needs of each instance besides the keys every listing returns. */
const SUMMARY_COLUMNS = ['Sequence', 'QidoAttributes'];
const INTENT_WRITE_CONCURRENCY = 16;
const MAX_OPERATIONS_PER_TRANSACTION = 100;

export interface RefreshOptions {
  /**
   * Write every index entry of the summary even when nothing changed (`npm run search:rebuild --
   * --rewrite-index`): rewritten entries lose the summary copy earlier releases stored in them.
   */
  readonly rewriteIndex?: boolean;
}

/** Refreshes several studies, a few at a time. */
export async function refreshStudies(studyInstanceUids: Iterable<string>, options: RefreshOptions = {}): Promise<void> {
  await mapConcurrently([...new Set(studyInstanceUids)], 4, (uid) =>
    options.rewriteIndex === true ? refreshOnce(uid, true).then(() => undefined) : refreshStudy(uid),
  );
}

interface Flight {
  running: Promise<void>;
  next: Promise<void> | undefined;
}
/** By partition key and study UID. */
const flights = new Map<string, Flight>();

/**
 * Resolves once a refresh that started after this call has finished. Calls for a study that
 * arrive while its refresh runs share one follow-up refresh (a STOW of many instances of one
 * study, or a burst of concurrent requests, costs two refreshes, not one per instance).
 */
export function refreshStudy(studyInstanceUid: string): Promise<void> {
  // Per partition: a study UID may exist in several, and a flight refreshes its own partition's.
  const key = `${currentPartition().key}/${studyInstanceUid}`;
  const flight = flights.get(key);
  if (!flight) return startFlight(key, studyInstanceUid);
  flight.next ??= flight.running
    .catch(() => undefined)
    .then(() => {
      flights.delete(key);
      return startFlight(key, studyInstanceUid);
    });
  return flight.next;
}

function startFlight(key: string, studyInstanceUid: string): Promise<void> {
  const flight: Flight = { running: refreshOnce(studyInstanceUid).then(() => undefined), next: undefined };
  flights.set(key, flight);
  void flight.running
    .finally(() => {
      if (flights.get(key) === flight && flight.next === undefined) flights.delete(key);
    })
    .catch(() => undefined);
  return flight.running;
}

/**
 * Brings a study's summary up to date after a store made `added` instances visible: merged into
 * the stored summary when that is sound (studySummary.ts, mergeIntoSummary), which reads the
 * study's summary rows but not its instances; otherwise a full refresh. Not coalesced: each
 * request merges its own instances.
 */
export async function refreshStudyAdding(
  studyInstanceUid: string,
  added: readonly SummaryInstanceRow[],
): Promise<void> {
  if (!(await refreshOnce(studyInstanceUid, false, added))) await refreshStudy(studyInstanceUid);
}

/**
 * One refresh, not coalesced with this process's others: what another instance of the app runs
 * concurrently with this one. Tests use it to race refreshes; everything else calls refreshStudy.
 */
export async function refreshStudyAlone(studyInstanceUid: string): Promise<void> {
  await refreshOnce(studyInstanceUid);
}

/**
 * With `added`, merges them into the stored summary, and resolves false (having written nothing)
 * when the merge is not sound; without, recomputes the summary from the study's instances.
 */
async function refreshOnce(
  studyInstanceUid: string,
  rewriteIndex = false,
  added?: readonly SummaryInstanceRow[],
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    let stored: StoredStudy;
    let summary: StudySummary | undefined;
    if (added) {
      stored = await readStoredStudy(studyInstanceUid);
      summary = stored.indexPending ? undefined : mergeIntoSummary(stored.summary, added);
      if (!summary) return false;
    } else {
      // Read together: any change either read misses is followed by its own refresh, whose write
      // makes this one's ETag check fail (or comes after it), so the last summary written is current.
      [stored, summary] = await Promise.all([
        readStoredStudy(studyInstanceUid),
        summarizeStudy(studyInstanceUid, visibleInstanceRows(studyInstanceUid)),
      ]);
    }
    if (sameSummary(stored.summary, summary)) {
      // Nothing to write. Rewriting the row anyway would fail every other refresh's finish.
      if (rewriteIndex || stored.indexPending || stored.intents.length > 0) {
        await settleIndex(studyInstanceUid, planWholeIndex(stored, []), versionOf(stored));
      }
      return true;
    }
    const plan = planIndexChanges(stored, summary, rewriteIndex);
    let written: WrittenVersion;
    try {
      written = await writeSummary(studyInstanceUid, stored, summary, plan);
    } catch (error) {
      if (isStorageStatus(error, 404, 409, 412) && attempt < MAX_ATTEMPTS) continue;
      throw error;
    }
    if (touchesIndex(plan)) await settleIndex(studyInstanceUid, plan, written);
    return true;
  }
}

function visibleInstanceRows(studyInstanceUid: string): AsyncIterable<SummaryInstanceRow> {
  return listVisibleInstances({ studyInstanceUid }, SUMMARY_COLUMNS) as AsyncIterable<
    VisibleInstance & SummaryInstanceRow
  >;
}

/**
 * Records the plan's deletes as drop intents, then writes the summary rows, in one transaction per
 * 100 rows; the first one carries the study row's ETag check. While the index must change, the
 * study row is flagged `IndexPending`, or is a tombstone when no visible instance is left; a
 * study with nothing left to remove loses its study row (a guarded single delete: transactions
 * cannot check ETags on deletes) and its series rows.
 */
async function writeSummary(
  studyInstanceUid: string,
  stored: StoredStudy,
  summary: StudySummary | undefined,
  plan: IndexPlan,
): Promise<WrittenVersion> {
  const client = table('studies');
  const pending = touchesIndex(plan);
  const intents = await recordIntents(studyInstanceUid, stored, plan);
  const studyRow = summary ? studyEntity(summary, pending) : pending ? tombstoneEntity(studyInstanceUid) : undefined;
  const actions: TransactionAction[] = [];
  if (studyRow) {
    actions.push(
      stored.etag === undefined ? ['create', studyRow] : ['update', studyRow, 'Replace', { etag: stored.etag }],
    );
  } else if (stored.etag !== undefined) {
    await client.deleteEntity(studyInstanceUid, STUDY_ROW_KEY, { etag: stored.etag });
  }
  for (const series of summary?.series ?? []) {
    actions.push(['upsert', seriesEntity(studyInstanceUid, series), 'Replace']);
  }
  const kept = new Set(summary?.series.map((s) => s.seriesInstanceUid));
  for (const series of stored.summary?.series ?? []) {
    if (!kept.has(series.seriesInstanceUid)) {
      actions.push(['delete', { partitionKey: studyInstanceUid, rowKey: series.seriesInstanceUid }]);
    }
  }
  let etag: string | undefined;
  for (let start = 0; start < actions.length; start += MAX_OPERATIONS_PER_TRANSACTION) {
    const chunk = actions.slice(start, start + MAX_OPERATIONS_PER_TRANSACTION);
    try {
      const response = await client.submitTransaction(chunk);
      if (start === 0 && studyRow) etag = response.subResponses[0]?.etag;
    } catch (error) {
      // A series row someone else removed already is no reason to redo the refresh.
      if (start > 0 || studyRow || !isStorageStatus(error, 404)) throw error;
    }
  }
  if (studyRow && etag === undefined) throw new Error(`No ETag for the summary of study ${studyInstanceUid}`);
  return { etag, tombstone: !summary, pending, intents };
}

/**
 * Every entry the plan deletes is (re)written as an intent with a fresh ETag. Intents are removed
 * only by a refresh that finished, each guarded by the ETag that refresh wrote or read it with, so
 * an intent rewritten by a later refresh stays until that one finishes too.
 */
async function recordIntents(studyInstanceUid: string, stored: StoredStudy, plan: IndexPlan): Promise<StoredIntent[]> {
  const client = table('studies');
  const recorded = await mapConcurrently(plan.deletes, INTENT_WRITE_CONCURRENCY, async (entry) => ({
    entry,
    etag: (await client.upsertEntity(intentEntity(studyInstanceUid, entry), 'Replace')).etag ?? '',
  }));
  // Intents of entries the new summary has again are cleared with the ETag they were read with.
  const rewritten = new Set(recorded.map((i) => intentRowKey(i.entry)));
  return [...recorded, ...stored.intents.filter((i) => !rewritten.has(intentRowKey(i.entry)))];
}
