/**
 * The Studies table: per study one partition (PartitionKey the study UID) holding
 * - the study row, RowKey `~`: the study summary, and `IndexPending` while its index entries may
 *   not match it yet; a **tombstone** (no instances) while a vanished study's entries are removed,
 * - one series row per series, RowKey the series UID,
 * - drop intents, RowKey `!{hash}`: index entries a refresh dropped and has not yet deleted.
 * UIDs start with a digit, so `!` sorts before the series rows and `~` after them.
 * Why the intents and the flag exist: docs/search.md, "Writes".
 */
import { createHash } from 'node:crypto';
import { odata, type TableEntity } from '@azure/data-tables';
import { table } from '../storage/clients';
import { entryId, type IndexEntry } from './indexEntries';
import type { SearchCost } from './searchCost';
import { parseAttributes, parseModalities, type SeriesSummary, type StudySummary } from './studySummary';

export const STUDY_ROW_KEY = '~';
const INTENT_ROW_PREFIX = '!';
/** Every series row and no other: RowKeys between the intents (`!…`) and the study row (`~`). */
export const SERIES_ROWS_FILTER = odata`RowKey gt ${`${INTENT_ROW_PREFIX}~`} and RowKey lt ${STUDY_ROW_KEY}`;
/** Every live study row (tombstones have no instances). */
export const STUDY_ROWS_FILTER = odata`RowKey eq ${STUDY_ROW_KEY} and Instances gt 0`;

export interface SummaryEntity extends TableEntity {
  readonly Attributes: string;
  readonly Instances: number;
  readonly Sequence: number;
  /** Study rows only. */
  readonly SeriesCount?: number;
  readonly Modalities?: string;
  readonly IndexPending?: boolean;
  readonly etag?: string;
}

interface IntentEntity extends TableEntity {
  readonly Table: string;
  readonly EntryPartitionKey: string;
  readonly EntryRowKey: string;
}

/** A drop intent as read or written, with the ETag that guards its removal. */
export interface StoredIntent {
  readonly entry: IndexEntry;
  readonly etag: string;
}

/** What the Studies table holds for one study. */
export interface StoredStudy {
  /** Undefined when there is no study row, or only a tombstone. */
  readonly summary: StudySummary | undefined;
  /** The study row's ETag (tombstones included); undefined when there is no study row. */
  readonly etag: string | undefined;
  /** A refresh wrote the study row and may not have finished its index entries. */
  readonly indexPending: boolean;
  /** Index entries dropped by a refresh and perhaps not deleted yet. */
  readonly intents: readonly StoredIntent[];
}

export function studyEntity(summary: StudySummary, indexPending: boolean): SummaryEntity {
  return {
    partitionKey: summary.studyInstanceUid,
    rowKey: STUDY_ROW_KEY,
    Attributes: JSON.stringify(summary.attributes),
    Instances: summary.instances,
    Sequence: summary.sequence,
    SeriesCount: summary.seriesCount,
    Modalities: JSON.stringify(summary.modalities),
    IndexPending: indexPending,
  };
}

/** The study row of a study with no visible instance whose index entries are still being removed. */
export function tombstoneEntity(studyInstanceUid: string): SummaryEntity {
  return {
    partitionKey: studyInstanceUid,
    rowKey: STUDY_ROW_KEY,
    Attributes: '{}',
    Instances: 0,
    Sequence: 0,
    SeriesCount: 0,
    Modalities: '[]',
    IndexPending: true,
  };
}

export function seriesEntity(studyInstanceUid: string, series: SeriesSummary): SummaryEntity {
  return {
    partitionKey: studyInstanceUid,
    rowKey: series.seriesInstanceUid,
    Attributes: JSON.stringify(series.attributes),
    Instances: series.instances,
    Sequence: series.sequence,
  };
}

/** Whether two summaries would be written as the same rows. */
export function sameSummary(a: StudySummary | undefined, b: StudySummary | undefined): boolean {
  const rows = (s: StudySummary | undefined) =>
    s && JSON.stringify([studyEntity(s, false), s.series.map((series) => seriesEntity(s.studyInstanceUid, series))]);
  return rows(a) === rows(b);
}

export function intentEntity(studyInstanceUid: string, entry: IndexEntry): IntentEntity {
  return {
    partitionKey: studyInstanceUid,
    rowKey: intentRowKey(entry),
    Table: entry.table,
    EntryPartitionKey: entry.partitionKey,
    EntryRowKey: entry.rowKey,
  };
}

/** Index keys may hold any character; the intent's RowKey is a hash of the entry's identity. */
export function intentRowKey(entry: IndexEntry): string {
  return INTENT_ROW_PREFIX + createHash('sha256').update(entryId(entry)).digest('hex').slice(0, 40);
}

export function seriesFromEntity(entity: SummaryEntity): SeriesSummary {
  return {
    seriesInstanceUid: entity.rowKey,
    attributes: parseAttributes(entity.Attributes),
    instances: entity.Instances,
    sequence: entity.Sequence,
  };
}

/** The study as search sees it (undefined for a tombstone); `series` is empty unless the series rows were read too. */
export function studyFromEntity(
  entity: SummaryEntity,
  series: readonly SeriesSummary[] = [],
): StudySummary | undefined {
  if (isTombstone(entity)) return undefined;
  return {
    studyInstanceUid: entity.partitionKey,
    attributes: parseAttributes(entity.Attributes),
    instances: entity.Instances,
    seriesCount: entity.SeriesCount ?? series.length,
    modalities: parseModalities(entity.Modalities),
    sequence: entity.Sequence,
    series,
  };
}

function isTombstone(entity: SummaryEntity): boolean {
  return !(entity.Instances > 0);
}

/** The whole partition of a study (study row, series rows, intents): one query. */
export async function readStoredStudy(studyInstanceUid: string, cost?: SearchCost): Promise<StoredStudy> {
  let study: SummaryEntity | undefined;
  const series: SeriesSummary[] = [];
  const intents: StoredIntent[] = [];
  const pages = table('studies')
    .listEntities<SummaryEntity & Partial<IntentEntity> & { etag?: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${studyInstanceUid}` },
    })
    .byPage({ maxPageSize: 1000 });
  for await (const page of pages) {
    cost?.read(page.length);
    for (const entity of page) {
      if (entity.rowKey === STUDY_ROW_KEY) study = entity;
      else if (entity.rowKey.startsWith(INTENT_ROW_PREFIX))
        intents.push({ entry: entryOfIntent(entity), etag: entity.etag ?? '' });
      else series.push(seriesFromEntity(entity));
    }
  }
  return {
    summary: study ? studyFromEntity(study, series) : undefined,
    etag: study?.etag,
    indexPending: study?.IndexPending === true,
    intents,
  };
}

function entryOfIntent(entity: Partial<IntentEntity>): IndexEntry {
  return { table: entity.Table ?? '', partitionKey: entity.EntryPartitionKey ?? '', rowKey: entity.EntryRowKey ?? '' };
}
