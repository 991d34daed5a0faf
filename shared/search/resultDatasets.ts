/**
 * The DICOM JSON dataset of each search result: the default attributes of every level the
 * resource returns, the `includefield` ones, the matched ones, and the aggregates: those of the
 * resource's own level always (study or series), the others when asked for (the conformance
 * statement's "Search response" rules, plus what viewers expect; see DEFAULT_AGGREGATE_LEVEL).
 */
import type { DicomJsonDataset, DicomJsonElement } from '../dicom/dicomJson';
import { Tag } from '../dicom/tags';
import type { SearchHit } from './searchExecutor';
import {
  AGGREGATE_TAGS,
  DEFAULT_AGGREGATE_LEVEL,
  DEFAULT_TAGS,
  OTHER_TAGS,
  type Level,
  type SearchResource,
} from './searchableAttributes';
import type { SearchQuery } from './searchQuery';

/** The levels whose attributes each resource returns. */
const RESOURCE_LEVELS: Readonly<Record<SearchResource, readonly Level[]>> = {
  studies: ['study'],
  series: ['study', 'series'],
  instances: ['study', 'series', 'instance'],
  studySeries: ['series'],
  studyInstances: ['series', 'instance'],
  studySeriesInstances: ['instance'],
};

const ONLINE: DicomJsonElement = { vr: 'CS', Value: ['ONLINE'] };

/** The tags to return per level, decided once per request. */
export function returnedTags(query: SearchQuery): ReadonlyMap<Level, ReadonlySet<string>> {
  const result = new Map<Level, Set<string>>();
  for (const level of RESOURCE_LEVELS[query.resource]) {
    const tags = new Set(DEFAULT_TAGS[level]);
    if (DEFAULT_AGGREGATE_LEVEL[query.resource] === level) for (const tag of AGGREGATE_TAGS[level]) tags.add(tag);
    for (const tag of [...OTHER_TAGS[level], ...AGGREGATE_TAGS[level]]) {
      if (query.includeFields === 'all' || query.includeFields.has(tag)) tags.add(tag);
    }
    for (const filter of query.filters) if (filter.attribute.level === level) tags.add(filter.attribute.tag);
    result.set(level, tags);
  }
  const study = result.get('study');
  // Viewers (OHIF's study list) ask for Modality at study level and mean the study's modalities.
  if (study && query.resource === 'studies' && query.includeFields !== 'all' && query.includeFields.has(Tag.Modality)) {
    study.add(Tag.ModalitiesInStudy);
  }
  return result;
}

export function resultDataset(
  hit: SearchHit,
  query: SearchQuery,
  tags: ReadonlyMap<Level, ReadonlySet<string>>,
): DicomJsonDataset {
  const dataset: DicomJsonDataset = {};
  const studyTags = tags.get('study');
  if (studyTags) copy(dataset, studyElements(hit), studyTags);
  const seriesTags = tags.get('series');
  if (seriesTags && hit.series) copy(dataset, seriesElements(hit), seriesTags);
  const instanceTags = tags.get('instance');
  if (instanceTags && hit.instance) copy(dataset, instanceElements(hit), instanceTags);
  // The UIDs of the resource URL are returned too.
  if (query.studyInstanceUid !== undefined) dataset[Tag.StudyInstanceUID] = uid(hit.study.studyInstanceUid);
  if (query.seriesInstanceUid !== undefined && hit.series) {
    dataset[Tag.SeriesInstanceUID] = uid(hit.series.seriesInstanceUid);
  }
  return sortedByTag(dataset);
}

function studyElements(hit: SearchHit): DicomJsonDataset {
  const { study } = hit;
  return {
    ...study.attributes,
    [Tag.StudyInstanceUID]: uid(study.studyInstanceUid),
    [Tag.InstanceAvailability]: ONLINE,
    [Tag.ModalitiesInStudy]: study.modalities.length > 0 ? { vr: 'CS', Value: [...study.modalities] } : { vr: 'CS' },
    ...count(Tag.NumberOfStudyRelatedSeries, study.seriesCount),
    ...count(Tag.NumberOfStudyRelatedInstances, study.instances),
  };
}

function seriesElements(hit: SearchHit): DicomJsonDataset {
  const series = hit.series;
  if (!series) return {};
  return {
    ...series.attributes,
    [Tag.SeriesInstanceUID]: uid(series.seriesInstanceUid),
    ...count(Tag.NumberOfSeriesRelatedInstances, series.instances),
  };
}

function count(tag: string, value: number): DicomJsonDataset {
  return { [tag]: { vr: 'IS', Value: [value] } };
}

function instanceElements(hit: SearchHit): DicomJsonDataset {
  const instance = hit.instance;
  if (!instance) return {};
  return {
    ...instance.attributes,
    [Tag.SOPInstanceUID]: uid(instance.sopInstanceUid),
    [Tag.InstanceAvailability]: ONLINE,
  };
}

function copy(target: DicomJsonDataset, source: DicomJsonDataset, tags: ReadonlySet<string>): void {
  for (const tag of tags) {
    const element = source[tag];
    if (element) target[tag] = element;
  }
}

function uid(value: string): DicomJsonElement {
  return { vr: 'UI', Value: [value] };
}

function sortedByTag(dataset: DicomJsonDataset): DicomJsonDataset {
  const sorted: DicomJsonDataset = {};
  for (const tag of Object.keys(dataset).sort()) sorted[tag] = dataset[tag] as DicomJsonElement;
  return sorted;
}
