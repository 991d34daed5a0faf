/**
 * What QIDO-RS can match on and return, per level and resource (the v2 conformance statement's
 * "Searchable attributes" and "Search response" tables). Everything else in shared/search reads
 * these tables instead of spelling tags out.
 */
import { Tag } from '../dicom/tags';

export type Level = 'study' | 'series' | 'instance';

/**
 * The six search resources: All Studies, All Series, All Instances, Study's Series,
 * Study's Instances, Study Series' Instances.
 */
export type SearchResource =
  'studies' | 'series' | 'instances' | 'studySeries' | 'studyInstances' | 'studySeriesInstances';

/** How a value of the attribute is compared (PS3.4 C.2.2.2). */
export type MatchType = 'personName' | 'string' | 'code' | 'date' | 'uid';

export interface SearchableAttribute {
  readonly keyword: string;
  readonly tag: string;
  /** The level whose entity holds the attribute (study attributes follow the latest instance). */
  readonly level: Level;
  readonly match: MatchType;
  readonly resources: readonly SearchResource[];
}

const ALL = ['studies', 'series', 'instances'] as const;
const SERIES_LEVEL = ['series', 'instances', 'studySeries', 'studyInstances'] as const;

/** The searchable attributes, in the order of the conformance statement's table. */
export const SEARCHABLE_ATTRIBUTES: readonly SearchableAttribute[] = [
  { keyword: 'StudyInstanceUID', tag: Tag.StudyInstanceUID, level: 'study', match: 'uid', resources: ALL },
  { keyword: 'PatientName', tag: Tag.PatientName, level: 'study', match: 'personName', resources: ALL },
  { keyword: 'PatientID', tag: Tag.PatientID, level: 'study', match: 'string', resources: ALL },
  { keyword: 'PatientBirthDate', tag: Tag.PatientBirthDate, level: 'study', match: 'date', resources: ALL },
  { keyword: 'AccessionNumber', tag: Tag.AccessionNumber, level: 'study', match: 'string', resources: ALL },
  {
    keyword: 'ReferringPhysicianName',
    tag: Tag.ReferringPhysicianName,
    level: 'study',
    match: 'personName',
    resources: ALL,
  },
  { keyword: 'StudyDate', tag: Tag.StudyDate, level: 'study', match: 'date', resources: ALL },
  { keyword: 'StudyDescription', tag: Tag.StudyDescription, level: 'study', match: 'string', resources: ALL },
  { keyword: 'ModalitiesInStudy', tag: Tag.ModalitiesInStudy, level: 'study', match: 'code', resources: ALL },
  { keyword: 'SeriesInstanceUID', tag: Tag.SeriesInstanceUID, level: 'series', match: 'uid', resources: SERIES_LEVEL },
  { keyword: 'Modality', tag: Tag.Modality, level: 'series', match: 'code', resources: SERIES_LEVEL },
  {
    keyword: 'PerformedProcedureStepStartDate',
    tag: Tag.PerformedProcedureStepStartDate,
    level: 'series',
    match: 'date',
    resources: SERIES_LEVEL,
  },
  {
    keyword: 'ManufacturerModelName',
    tag: Tag.ManufacturerModelName,
    level: 'series',
    match: 'string',
    resources: SERIES_LEVEL,
  },
  {
    keyword: 'SOPInstanceUID',
    tag: Tag.SOPInstanceUID,
    level: 'instance',
    match: 'uid',
    resources: ['instances', 'studyInstances', 'studySeriesInstances'],
  },
];

const BY_TAG = new Map(SEARCHABLE_ATTRIBUTES.map((a) => [a.tag, a]));

export function searchableAttribute(tag: string): SearchableAttribute | undefined {
  return BY_TAG.get(tag.toUpperCase());
}

/** Returned by default at each level. */
export const DEFAULT_TAGS: Readonly<Record<Level, readonly string[]>> = {
  study: [
    Tag.StudyDate,
    Tag.AccessionNumber,
    Tag.StudyDescription,
    Tag.ReferringPhysicianName,
    Tag.PatientName,
    Tag.PatientID,
    Tag.PatientBirthDate,
    Tag.StudyInstanceUID,
  ],
  series: [Tag.Modality, Tag.ManufacturerModelName, Tag.SeriesInstanceUID, Tag.PerformedProcedureStepStartDate],
  instance: [Tag.SOPInstanceUID],
};

/** Added by `includefield=all` (besides the defaults). */
export const OTHER_TAGS: Readonly<Record<Level, readonly string[]>> = {
  study: [
    Tag.SpecificCharacterSet,
    Tag.StudyTime,
    Tag.InstanceAvailability,
    Tag.TimezoneOffsetFromUTC,
    Tag.AnatomicRegionsInStudyCodeSequence,
    Tag.ProcedureCodeSequence,
    Tag.NameOfPhysiciansReadingStudy,
    Tag.AdmittingDiagnosesDescription,
    Tag.ReferencedStudySequence,
    Tag.PatientAge,
    Tag.PatientSize,
    Tag.PatientWeight,
    Tag.Occupation,
    Tag.AdditionalPatientHistory,
    Tag.PatientSex,
    Tag.StudyID,
  ],
  series: [
    Tag.SpecificCharacterSet,
    Tag.TimezoneOffsetFromUTC,
    Tag.SeriesNumber,
    Tag.Laterality,
    Tag.SeriesDate,
    Tag.SeriesTime,
    Tag.SeriesDescription,
    Tag.PerformedProcedureStepStartTime,
    Tag.RequestAttributesSequence,
  ],
  instance: [
    Tag.SpecificCharacterSet,
    Tag.SOPClassUID,
    Tag.InstanceAvailability,
    Tag.TimezoneOffsetFromUTC,
    Tag.InstanceNumber,
    Tag.Rows,
    Tag.Columns,
    Tag.BitsAllocated,
    Tag.NumberOfFrames,
  ],
};

/** Computed per study or series, returned when asked for by `includefield` (or `all`). */
export const AGGREGATE_TAGS: Readonly<Record<Level, readonly string[]>> = {
  study: [Tag.ModalitiesInStudy, Tag.NumberOfStudyRelatedSeries, Tag.NumberOfStudyRelatedInstances],
  series: [Tag.NumberOfSeriesRelatedInstances],
  instance: [],
};

/**
 * The level whose aggregates a resource returns without being asked (issue 14: OHIF shows 0
 * instances and NaN series unless the study list has them; Orthanc and dcm4chee return them too).
 * The summary rows a result is answered from hold them, so they cost no extra read.
 */
export const DEFAULT_AGGREGATE_LEVEL: Readonly<Partial<Record<SearchResource, Level>>> = {
  studies: 'study',
  series: 'series',
  studySeries: 'series',
};
