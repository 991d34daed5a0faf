/**
 * Study and series summaries as entities of the Studies table: PartitionKey the study UID,
 * RowKey `~` for the study, the series UID for each series (UIDs never contain `~`).
 */
import { odata, type TableEntity } from '@azure/data-tables';
import { table } from '../storage/clients';
import type { SearchCost } from './searchCost';
import { parseAttributes, type SeriesSummary, type StudySummary } from './studySummary';

export const STUDY_ROW_KEY = '~';

export interface SummaryEntity extends TableEntity {
  readonly Attributes: string;
  readonly Instances: number;
  readonly Sequence: number;
  /** Study rows only. */
  readonly SeriesCount?: number;
  readonly Modalities?: string;
  readonly etag?: string;
}

export interface StoredStudy {
  readonly summary: StudySummary;
  readonly etag: string;
}

export function studyEntity(summary: StudySummary): SummaryEntity {
  return {
    partitionKey: summary.studyInstanceUid,
    rowKey: STUDY_ROW_KEY,
    Attributes: JSON.stringify(summary.attributes),
    Instances: summary.instances,
    Sequence: summary.sequence,
    SeriesCount: summary.seriesCount,
    Modalities: JSON.stringify(summary.modalities),
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

export function seriesFromEntity(entity: SummaryEntity): SeriesSummary {
  return {
    seriesInstanceUid: entity.rowKey,
    attributes: parseAttributes(entity.Attributes),
    instances: entity.Instances,
    sequence: entity.Sequence,
  };
}

/** The study as search sees it; `series` is empty unless the series rows were read too. */
export function studyFromEntity(entity: SummaryEntity, series: readonly SeriesSummary[] = []): StudySummary {
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

/**
 * The whole summary of a study (study row and every series row, one partition query), with the
 * study row's ETag; undefined when there is no study row.
 */
export async function readStoredStudy(studyInstanceUid: string, cost?: SearchCost): Promise<StoredStudy | undefined> {
  let study: SummaryEntity | undefined;
  const series: SeriesSummary[] = [];
  for await (const entity of listSummaryRows(studyInstanceUid, cost)) {
    if (entity.rowKey === STUDY_ROW_KEY) study = entity;
    else series.push(seriesFromEntity(entity));
  }
  if (!study?.etag) return undefined;
  return { summary: studyFromEntity(study, series), etag: study.etag };
}

/** Every summary row of a study: the series rows in UID order, then the study row. */
export async function* listSummaryRows(studyInstanceUid: string, cost?: SearchCost): AsyncGenerator<SummaryEntity> {
  const pages = table('studies')
    .listEntities<SummaryEntity>({ queryOptions: { filter: odata`PartitionKey eq ${studyInstanceUid}` } })
    .byPage({ maxPageSize: 1000 });
  for await (const page of pages) {
    cost?.read(page.length);
    yield* page;
  }
}

function parseModalities(json: string | undefined): string[] {
  const parsed = parseAttributes(json) as unknown;
  return Array.isArray(parsed) ? parsed.filter((m): m is string => typeof m === 'string') : [];
}
