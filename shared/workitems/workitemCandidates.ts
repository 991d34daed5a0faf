/**
 * Which index a worklist search reads (its "driver") and the PartitionKey ranges it reads there.
 * The order prefers the filters that usually match fewest workitems; every other filter is checked
 * on the workitems the driver yields (docs/workitems.md, "Search").
 */
import { odata, type TableEntity } from '@azure/data-tables';
import { UpsTag as T } from '../dicom/upsTags';
import { keyOf } from '../search/indexEntries';
import type { SearchCost } from '../search/searchCost';
import { tableNamed } from '../storage/clients';
import { STATES } from './procedureStepState';
import { indexOf, type WorkitemIndex } from './workitemAttributes';
import { stateDateKey } from './workitemIndexEntries';
import type { WorkitemFilter } from './workitemQuery';

export interface IndexScan {
  readonly index: WorkitemIndex;
  readonly from: string;
  readonly to: string;
}

const END_OF_KEY = '|~';
const LATEST = '99999999999999';

/** Exact filters by how few workitems one value usually has: identifiers first, the label last. */
const EXACT_ORDER: readonly string[] = [
  T.StudyInstanceUID,
  `${T.ReferencedRequestSequence}.${T.AccessionNumber}`,
  `${T.ReferencedRequestSequence}.${T.RequestedProcedureID}`,
  T.PatientID,
  T.PatientName,
  `${T.ScheduledStationNameCodeSequence}.${T.CodeValue}`,
  `${T.ScheduledStationGeographicLocationCodeSequence}.${T.CodeValue}`,
  `${T.ScheduledStationClassCodeSequence}.${T.CodeValue}`,
];

/** The scans that yield every workitem the filters can match, or undefined: walk the whole table. */
export function planScans(filters: readonly WorkitemFilter[]): IndexScan[] | undefined {
  const byPath = new Map(filters.map((f) => [f.attribute.path.join('.'), f]));
  for (const path of EXACT_ORDER) {
    const filter = byPath.get(path);
    const index = filter?.kind === 'exact' ? indexOf(filter.attribute.path, 'exact') : undefined;
    if (filter?.kind === 'exact' && index) return [exactScan(index, keyOf(filter.value))];
  }
  const state = byPath.get(T.ProcedureStepState);
  const start = byPath.get(T.ScheduledProcedureStepStartDateTime);
  const range = start?.kind === 'range' ? start : undefined;
  if (state?.kind === 'exact' || range) {
    const states = state?.kind === 'exact' ? STATES.filter((s) => s === state.value) : [...STATES];
    return states.map((s) => stateDateScan(s, range?.from, range?.to));
  }
  const name = byPath.get(T.PatientName);
  if (name?.kind === 'fuzzy') {
    const index = indexOf(name.attribute.path, 'word') as WorkitemIndex;
    const longest = name.words.reduce((a, b) => (b.length > a.length ? b : a));
    return [{ index, from: keyOf(longest), to: `${keyOf(longest)}\uffff` }];
  }
  const label = byPath.get(T.WorklistLabel);
  const labelIndex = indexOf([T.WorklistLabel], 'exact');
  if (label?.kind === 'exact' && labelIndex) return [exactScan(labelIndex, keyOf(label.value))];
  return undefined;
}

function exactScan(index: WorkitemIndex, key: string): IndexScan {
  return { index, from: `${key}|`, to: `${key}${END_OF_KEY}` };
}

function stateDateScan(state: string, from: string | undefined, to: string | undefined): IndexScan {
  const index = indexOf([], 'stateDate') as WorkitemIndex;
  return { index, from: `${stateDateKey(state, from ?? '')}`, to: `${stateDateKey(state, to ?? LATEST)}${END_OF_KEY}` };
}

/** The workitem UIDs of the scans, in index order (duplicates possible); pages of `pageSize`. */
export async function* scanCandidates(
  scans: readonly IndexScan[],
  cost: SearchCost,
  pageSize: number,
): AsyncGenerator<string> {
  for (const scan of scans) {
    const pages = tableNamed(scan.index.table)
      .listEntities<TableEntity>({
        queryOptions: {
          filter: odata`PartitionKey ge ${scan.from} and PartitionKey lt ${scan.to}`,
          select: ['PartitionKey', 'RowKey'],
        },
      })
      .byPage({ maxPageSize: pageSize });
    for await (const page of pages) {
      cost.read(page.length);
      for (const entry of page) yield entry.rowKey;
    }
  }
}
