/**
 * The secondary indexes of QIDO-RS (docs/search.md): one table per attribute and kind, so each
 * index can be scanned, rebuilt or dropped on its own, and Azurite (which scans a whole table for
 * every query) only ever scans one index.
 */
import { Tag } from '../dicom/tags';
import type { Level } from './searchableAttributes';

/**
 * - `exact`: PartitionKey the normalized value; serves exact matches and prefix wildcards (`SMI*`)
 *   as a PartitionKey range.
 * - `word`: PartitionKey each part of a person name; serves `fuzzymatching=true` as a range.
 * - `substring`: PartitionKey every suffix of the value; `*MIT*` is the range of suffixes that
 *   start with `MIT`.
 * - `date`: PartitionKey YYYYMMDD; serves date ranges as a PartitionKey range.
 */
export type IndexKind = 'exact' | 'word' | 'substring' | 'date';

export interface SearchIndex {
  /** The table name after the configured prefix. */
  readonly table: `Ix${string}`;
  readonly tag: string;
  readonly kind: IndexKind;
  /**
   * What a RowKey points at: a study (`{study}`), a series (`{study}|{series}`), or an instance
   * (PartitionKey the SOP Instance UID, RowKey `{study}|{series}`).
   */
  readonly level: Level;
}

const KIND_SUFFIX: Readonly<Record<IndexKind, string>> = { exact: 'Eq', word: 'Word', substring: 'Sub', date: 'Date' };

function index(short: string, tag: string, kind: IndexKind, level: Level): SearchIndex {
  return { table: `Ix${short}${KIND_SUFFIX[kind]}`, tag, kind, level };
}

// Short table names: the prefix may take 40 of a table name's 63 characters.
export const SEARCH_INDEXES: readonly SearchIndex[] = [
  index('PatName', Tag.PatientName, 'exact', 'study'),
  index('PatName', Tag.PatientName, 'word', 'study'),
  index('PatName', Tag.PatientName, 'substring', 'study'),
  index('PatId', Tag.PatientID, 'exact', 'study'),
  index('PatId', Tag.PatientID, 'substring', 'study'),
  index('PatBirth', Tag.PatientBirthDate, 'date', 'study'),
  index('Accession', Tag.AccessionNumber, 'exact', 'study'),
  index('Accession', Tag.AccessionNumber, 'substring', 'study'),
  index('RefPhys', Tag.ReferringPhysicianName, 'exact', 'study'),
  index('RefPhys', Tag.ReferringPhysicianName, 'word', 'study'),
  index('RefPhys', Tag.ReferringPhysicianName, 'substring', 'study'),
  index('StudyDate', Tag.StudyDate, 'date', 'study'),
  index('StudyDesc', Tag.StudyDescription, 'exact', 'study'),
  index('StudyDesc', Tag.StudyDescription, 'substring', 'study'),
  index('Modalities', Tag.ModalitiesInStudy, 'exact', 'study'),
  index('Modalities', Tag.ModalitiesInStudy, 'substring', 'study'),
  index('SeriesUid', Tag.SeriesInstanceUID, 'exact', 'series'),
  index('Modality', Tag.Modality, 'exact', 'series'),
  index('Modality', Tag.Modality, 'substring', 'series'),
  index('PpsDate', Tag.PerformedProcedureStepStartDate, 'date', 'series'),
  index('Model', Tag.ManufacturerModelName, 'exact', 'series'),
  index('Model', Tag.ManufacturerModelName, 'substring', 'series'),
  index('SopUid', Tag.SOPInstanceUID, 'exact', 'instance'),
];

export function indexFor(tag: string, kind: IndexKind): SearchIndex | undefined {
  return SEARCH_INDEXES.find((i) => i.tag === tag && i.kind === kind);
}

export function requireIndex(tag: string, kind: IndexKind): SearchIndex {
  const index = indexFor(tag, kind);
  if (!index) throw new Error(`No ${kind} index for ${tag}`);
  return index;
}
