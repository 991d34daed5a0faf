/**
 * Study and series summaries: what QIDO-RS answers at those levels, computed from the visible
 * instances of a study. Study and series attributes follow the latest stored instance (highest
 * change-feed sequence), as in the conformance statement; counts and ModalitiesInStudy cover all.
 */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { getStrings } from '../dicom/dicomJson';
import { Tag } from '../dicom/tags';
import { DEFAULT_TAGS, OTHER_TAGS, type Level } from './searchableAttributes';

/** The columns of an instance entity a summary needs. */
export interface SummaryInstanceRow {
  readonly SeriesInstanceUID: string;
  readonly Sequence: number;
  /** JSON of the instance's QIDO attributes (shared/store/instanceProjection.ts). */
  readonly QidoAttributes: string;
}

export interface SeriesSummary {
  readonly seriesInstanceUid: string;
  /** The series-level attributes of the latest stored instance of the series. */
  readonly attributes: DicomJsonDataset;
  readonly instances: number;
  readonly sequence: number;
}

export interface StudySummary {
  readonly studyInstanceUid: string;
  /** The study-level attributes of the latest stored instance of the study. */
  readonly attributes: DicomJsonDataset;
  readonly modalities: readonly string[];
  readonly instances: number;
  readonly seriesCount: number;
  readonly sequence: number;
  /** Empty when only the study row was read. */
  readonly series: readonly SeriesSummary[];
}

/**
 * Undefined when the study has no visible instance (it no longer exists for search). Rows are
 * consumed as they stream in; only the latest row of each series is kept, so memory follows the
 * number of series, not of instances.
 */
export async function summarizeStudy(
  studyInstanceUid: string,
  rows: AsyncIterable<SummaryInstanceRow> | Iterable<SummaryInstanceRow>,
): Promise<StudySummary | undefined> {
  const series = new Map<string, { latest: SummaryInstanceRow; instances: number }>();
  let latest: SummaryInstanceRow | undefined;
  let instances = 0;
  for await (const row of rows) {
    instances += 1;
    if (!latest || row.Sequence > latest.Sequence) latest = row;
    const entry = series.get(row.SeriesInstanceUID);
    if (!entry) series.set(row.SeriesInstanceUID, { latest: row, instances: 1 });
    else {
      entry.instances += 1;
      if (row.Sequence > entry.latest.Sequence) entry.latest = row;
    }
  }
  if (!latest) return undefined;
  const seriesSummaries = [...series].map(([seriesInstanceUid, entry]) => ({
    seriesInstanceUid,
    attributes: levelAttributes(parseAttributes(entry.latest.QidoAttributes), 'series'),
    instances: entry.instances,
    sequence: entry.latest.Sequence,
  }));
  return {
    studyInstanceUid,
    attributes: levelAttributes(parseAttributes(latest.QidoAttributes), 'study'),
    instances,
    seriesCount: seriesSummaries.length,
    modalities: modalitiesOf(seriesSummaries),
    sequence: latest.Sequence,
    series: seriesSummaries.sort((a, b) => compare(a.seriesInstanceUid, b.seriesInstanceUid)),
  };
}

const LEVEL_TAGS: Readonly<Record<Level, readonly string[]>> = {
  study: [...DEFAULT_TAGS.study, ...OTHER_TAGS.study],
  series: [...DEFAULT_TAGS.series, ...OTHER_TAGS.series],
  instance: [...DEFAULT_TAGS.instance, ...OTHER_TAGS.instance],
};

/**
 * The attributes of one level, in a fixed order: a summary row is rewritten only when that
 * level's attributes or its counts change, not with every new instance.
 */
export function levelAttributes(dataset: DicomJsonDataset, level: Level): DicomJsonDataset {
  const kept: DicomJsonDataset = {};
  for (const tag of LEVEL_TAGS[level]) {
    const element = dataset[tag];
    if (element) kept[tag] = element;
  }
  return kept;
}

export function parseAttributes(json: string | undefined): DicomJsonDataset {
  if (!json) return {};
  try {
    return JSON.parse(json) as DicomJsonDataset;
  } catch {
    return {};
  }
}

/** A JSON array of modalities as stored in a study row. */
export function parseModalities(json: string | undefined): string[] {
  const parsed = parseAttributes(json) as unknown;
  return Array.isArray(parsed) ? parsed.filter((m): m is string => typeof m === 'string') : [];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The summary of `base` with `added` instances made visible since it was written, without reading
 * the study's instances again; undefined when that cannot be known to be right: no summary yet, or
 * an added instance not newer than everything the summary covers (a summary covers exactly the
 * instances up to its sequence that were visible when it was written, so an older one may already
 * be in it). Attributes then follow the newest instance, as summarizeStudy's do.
 */
export function mergeIntoSummary(
  base: StudySummary | undefined,
  added: readonly SummaryInstanceRow[],
): StudySummary | undefined {
  if (!base || added.length === 0 || added.some((row) => row.Sequence <= base.sequence)) return undefined;
  const series = new Map(base.series.map((s) => [s.seriesInstanceUid, s]));
  let latest: SummaryInstanceRow | undefined;
  for (const row of [...added].sort((a, b) => a.Sequence - b.Sequence)) {
    latest = row;
    const known = series.get(row.SeriesInstanceUID);
    series.set(row.SeriesInstanceUID, {
      seriesInstanceUid: row.SeriesInstanceUID,
      attributes: levelAttributes(parseAttributes(row.QidoAttributes), 'series'),
      instances: (known?.instances ?? 0) + 1,
      sequence: row.Sequence,
    });
  }
  if (!latest) return undefined;
  const seriesSummaries = [...series.values()].sort((a, b) => compare(a.seriesInstanceUid, b.seriesInstanceUid));
  return {
    studyInstanceUid: base.studyInstanceUid,
    attributes: levelAttributes(parseAttributes(latest.QidoAttributes), 'study'),
    instances: base.instances + added.length,
    seriesCount: seriesSummaries.length,
    modalities: modalitiesOf(seriesSummaries),
    sequence: latest.Sequence,
    series: seriesSummaries,
  };
}

function modalitiesOf(series: readonly SeriesSummary[]): string[] {
  const modalities = new Set<string>();
  for (const s of series) {
    for (const modality of getStrings(s.attributes, Tag.Modality)) if (modality) modalities.add(modality);
  }
  return [...modalities].sort();
}
