/**
 * Where a search starts (docs/search.md): the most selective filter that an index serves (the
 * driver) yields candidate studies, series or instances in index order, as keys (an entry is a
 * pointer, its summary is read next); every candidate is then checked against all filters. With
 * no usable filter, the summaries themselves are walked in key order.
 */
import { odata, type TableEntity } from '@azure/data-tables';
import { table, tableNamed } from '../storage/clients';
import { keyOf, MAX_SUBSTRING_CHARS, unshardedKey } from './indexEntries';
import { literalRuns } from './matcher';
import { cutAtCodePoint, escapeTableKey, normalizeValue } from './normalize';
import type { SearchCost } from './searchCost';
import { requireIndex, type IndexKind, type SearchIndex } from './searchIndexes';
import type { Filter } from './searchQuery';
import type { Level } from './searchableAttributes';
import { Tag } from '../dicom/tags';
import {
  SERIES_ROWS_FILTER,
  seriesFromEntity,
  STUDY_ROWS_FILTER,
  studyFromEntity,
  type SummaryEntity,
} from './summaryRows';
import { hitOf, type InstanceHit } from './searchReads';
import type { VisibleInstance } from '../storage/instanceQueries';
import type { SeriesSummary, StudySummary } from './studySummary';

export interface Candidate {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid?: string;
  readonly sopInstanceUid?: string;
  /** Set when the candidate came from a walk of the instance table (no point read needed). */
  readonly hit?: InstanceHit;
  /** Set when the candidate came from a walk of the summaries (no second read needed). */
  readonly study?: StudySummary;
  readonly series?: SeriesSummary;
}

/** Only the keys: entries written by earlier releases also carry a copy of the summary, never read. */
const ENTRY_COLUMNS = ['PartitionKey', 'RowKey'];

/** An index lookup: one PartitionKey, or a range of them, in one index table. */
interface IndexScan {
  readonly index: SearchIndex;
  readonly filter: string;
}

/** Lower is more selective; filters no index serves have no rank. */
export function rank(filter: Filter): number | undefined {
  const tag = filter.attribute.tag;
  switch (filter.kind) {
    case 'uidList':
      return tag === Tag.SOPInstanceUID ? 0 : tag === Tag.SeriesInstanceUID ? 1 : 2;
    case 'exact':
      if (tag === Tag.PatientID || tag === Tag.AccessionNumber) return 3;
      if (tag === Tag.Modality || tag === Tag.ModalitiesInStudy) return 9;
      return 4;
    case 'dateRange':
      return filter.from !== undefined && filter.to !== undefined ? 5 : 8;
    case 'fuzzyName':
      return 6;
    case 'wildcard': {
      const { prefix, longest } = literalRuns(normalizeValue(filter.attribute.match, filter.pattern));
      if (prefix) return 6;
      return longest ? 7 : undefined;
    }
  }
}

/** The filter to drive the search with, if any filter can. */
export function chooseDriver(filters: readonly Filter[]): Filter | undefined {
  let best: { filter: Filter; rank: number } | undefined;
  for (const filter of filters) {
    const r = rank(filter);
    if (r !== undefined && (!best || r < best.rank)) best = { filter, rank: r };
  }
  return best?.filter;
}

/** Candidates from the driver's index, in index order; duplicates are possible. */
export async function* indexCandidates(driver: Filter, cost: SearchCost, pageSize: number): AsyncGenerator<Candidate> {
  if (driver.kind === 'uidList' && driver.attribute.tag === Tag.StudyInstanceUID) {
    for (const studyInstanceUid of driver.values) yield { studyInstanceUid };
    return;
  }
  for (const { index, filter } of indexScans(driver)) {
    const pages = tableNamed(index.table)
      .listEntities<TableEntity>({ queryOptions: { filter, select: ENTRY_COLUMNS } })
      .byPage({ maxPageSize: pageSize });
    for await (const page of pages) {
      cost.read(page.length);
      for (const entry of page) yield candidateOf(index.level, entry);
    }
  }
}

function candidateOf(level: Level, entry: TableEntity): Candidate {
  if (level === 'study') return { studyInstanceUid: entry.rowKey };
  const bar = entry.rowKey.indexOf('|');
  const studyInstanceUid = entry.rowKey.slice(0, bar);
  const seriesInstanceUid = entry.rowKey.slice(bar + 1);
  if (level === 'instance') {
    // The SOP index is keyed by the UID itself (UIDs need no escaping).
    return { studyInstanceUid, seriesInstanceUid, sopInstanceUid: unshardedKey(entry.partitionKey) };
  }
  return { studyInstanceUid, seriesInstanceUid };
}

function indexScans(driver: Filter): IndexScan[] {
  const tag = driver.attribute.tag;
  const match = driver.attribute.match;
  switch (driver.kind) {
    case 'uidList':
      return driver.values.map((uid) => exactScan(tag, 'exact', escapeTableKey(uid)));
    case 'exact':
      return [exactScan(tag, 'exact', keyOf(normalizeValue(match, driver.value)))];
    case 'dateRange': {
      const index = requireIndex(tag, 'date');
      // Every shard of every day in the range: `{from}|` up to `{to}|~`.
      const from = `${driver.from ?? '00000000'}|`;
      const to = `${driver.to ?? '99999999'}|~`;
      return [{ index, filter: odata`PartitionKey ge ${from} and PartitionKey lt ${to}` }];
    }
    case 'fuzzyName': {
      const longest = [...driver.words].sort((a, b) => b.length - a.length)[0] ?? '';
      return [prefixScan(tag, 'word', keyOf(longest))];
    }
    case 'wildcard': {
      const { prefix, longest } = literalRuns(normalizeValue(match, driver.pattern));
      if (prefix) return [prefixScan(tag, 'exact', keyOf(prefix))];
      return [prefixScan(tag, 'substring', escapeTableKey(cutAtCodePoint(longest, MAX_SUBSTRING_CHARS)))];
    }
  }
}

/** Every shard of one key: `{key}|0` to `{key}|f`. */
function exactScan(tag: string, kind: IndexKind, key: string): IndexScan {
  const index = requireIndex(tag, kind);
  const from = `${key}|`;
  const to = `${key}|~`;
  return { index, filter: odata`PartitionKey ge ${from} and PartitionKey lt ${to}` };
}

/** Every PartitionKey that starts with `prefix` (all shards of every key with that prefix). */
function prefixScan(tag: string, kind: IndexKind, prefix: string): IndexScan {
  const index = requireIndex(tag, kind);
  const end = `${prefix}\uffff`;
  return { index, filter: odata`PartitionKey ge ${prefix} and PartitionKey lt ${end}` };
}

/** With no driver: every study, every series, or every visible instance, in key order. */
export async function* walkCandidates(level: Level, cost: SearchCost, pageSize: number): AsyncGenerator<Candidate> {
  if (level === 'instance') {
    const pages = table('instances')
      .listEntities<VisibleInstance & { partitionKey: string }>({
        queryOptions: {
          filter: odata`State eq 'created'`,
          select: ['PartitionKey', 'SeriesInstanceUID', 'SOPInstanceUID', 'QidoAttributes'],
        },
      })
      .byPage({ maxPageSize: pageSize });
    for await (const page of pages) {
      cost.read(page.length);
      for (const row of page) {
        const hit = hitOf(row.partitionKey, row);
        yield { ...hit, hit };
      }
    }
    return;
  }
  // The walk returns whole summary rows, so its candidates need no second read.
  const filter = level === 'study' ? STUDY_ROWS_FILTER : SERIES_ROWS_FILTER;
  const pages = table('studies')
    .listEntities<SummaryEntity>({ queryOptions: { filter } })
    .byPage({ maxPageSize: pageSize });
  for await (const page of pages) {
    cost.read(page.length);
    for (const row of page) {
      if (level === 'series') {
        yield { studyInstanceUid: row.partitionKey, seriesInstanceUid: row.rowKey, series: seriesFromEntity(row) };
        continue;
      }
      const study = studyFromEntity(row);
      if (study) yield { studyInstanceUid: row.partitionKey, study };
    }
  }
}
