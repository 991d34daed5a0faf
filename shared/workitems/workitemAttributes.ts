/**
 * The attributes a worklist search can match on: the Azure service's fixed list of paths (at most
 * one sequence level), plus WorklistLabel (beyond Azure, README), and the index that serves each.
 */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { UpsTag as T } from '../dicom/upsTags';
import type { MatchType } from '../search/searchableAttributes';
import { attributeValues } from '../search/matcher';

/**
 * - `exact`: PartitionKey the normalized value (exact matches, and `SMI*` as a key range);
 * - `word`: each word of a person name (`fuzzymatching=true`);
 * - `stateDate`: `{ProcedureStepState}|{ScheduledProcedureStepStartDateTime}`: a state, a
 *   start range, or both, are each one PartitionKey range per state.
 */
export type WorkitemIndexKind = 'exact' | 'word' | 'stateDate';

export interface WorkitemIndex {
  /** The table name after the configured prefix. */
  readonly table: `Wi${string}`;
  readonly kind: WorkitemIndexKind;
  /** The attribute path the keys come from (empty for stateDate, which reads two attributes). */
  readonly path: readonly string[];
  readonly match: MatchType;
}

export interface WorkitemAttribute {
  /** Tags from the dataset's top level down, e.g. [ScheduledStationNameCodeSequence, CodeValue]. */
  readonly path: readonly string[];
  readonly match: MatchType | 'dateTime';
}

function attribute(match: WorkitemAttribute['match'], ...path: string[]): WorkitemAttribute {
  return { path, match };
}

export const WORKITEM_ATTRIBUTES: readonly WorkitemAttribute[] = [
  attribute('personName', T.PatientName),
  attribute('string', T.PatientID),
  attribute('string', T.ReferencedRequestSequence, T.AccessionNumber),
  attribute('string', T.ReferencedRequestSequence, T.RequestedProcedureID),
  attribute('dateTime', T.ScheduledProcedureStepStartDateTime),
  attribute('code', T.ScheduledStationNameCodeSequence, T.CodeValue),
  attribute('code', T.ScheduledStationClassCodeSequence, T.CodeValue),
  attribute('code', T.ScheduledStationGeographicLocationCodeSequence, T.CodeValue),
  attribute('code', T.ProcedureStepState),
  attribute('uid', T.StudyInstanceUID),
  attribute('string', T.WorklistLabel),
];

function index(table: `Wi${string}`, kind: WorkitemIndexKind, match: MatchType, ...path: string[]): WorkitemIndex {
  return { table, kind, path, match };
}

// Short names: the table prefix may take 40 of a table name's 63 characters.
export const WORKITEM_INDEXES: readonly WorkitemIndex[] = [
  index('WiStateDate', 'stateDate', 'code'),
  index('WiPatName', 'exact', 'personName', T.PatientName),
  index('WiPatWord', 'word', 'personName', T.PatientName),
  index('WiPatId', 'exact', 'string', T.PatientID),
  index('WiAccession', 'exact', 'string', T.ReferencedRequestSequence, T.AccessionNumber),
  index('WiReqProc', 'exact', 'string', T.ReferencedRequestSequence, T.RequestedProcedureID),
  index('WiStation', 'exact', 'code', T.ScheduledStationNameCodeSequence, T.CodeValue),
  index('WiStationClass', 'exact', 'code', T.ScheduledStationClassCodeSequence, T.CodeValue),
  index('WiStationGeo', 'exact', 'code', T.ScheduledStationGeographicLocationCodeSequence, T.CodeValue),
  index('WiStudyUid', 'exact', 'uid', T.StudyInstanceUID),
  index('WiLabel', 'exact', 'string', T.WorklistLabel),
];

export function pathKey(path: readonly string[]): string {
  return path.join('.');
}

export function findAttribute(path: readonly string[]): WorkitemAttribute | undefined {
  const key = pathKey(path);
  return WORKITEM_ATTRIBUTES.find((a) => pathKey(a.path) === key);
}

export function indexOf(path: readonly string[], kind: WorkitemIndexKind): WorkitemIndex | undefined {
  const key = pathKey(path);
  return WORKITEM_INDEXES.find((i) => i.kind === kind && pathKey(i.path) === key);
}

/** Every string value at `path`: a top-level attribute's values, or a child's values in every item. */
export function pathValues(dataset: DicomJsonDataset, path: readonly string[]): string[] {
  const [head, ...rest] = path;
  if (head === undefined) return [];
  if (rest.length === 0) return attributeValues(dataset, head);
  const values: string[] = [];
  for (const item of dataset[head]?.Value ?? []) {
    if (item !== null && typeof item === 'object' && !('Alphabetic' in item || 'Ideographic' in item)) {
      values.push(...pathValues(item as DicomJsonDataset, rest));
    }
  }
  return values;
}
