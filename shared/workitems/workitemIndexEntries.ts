/**
 * The index entries a workitem owns (pure). An entry is a pointer: PartitionKey `{key}|{shard}`,
 * RowKey the workitem UID, no other property; a search reads the workitem itself for every
 * candidate and checks it, so an entry left behind by a crash costs a read, never a wrong answer.
 */
import { entryId, keyOf, shardedKey, type IndexEntry } from '../search/indexEntries';
import { nameWords, normalizeValue } from '../search/normalize';
import { UpsTag as T } from '../dicom/upsTags';
import { dateTimeKey } from './dateTimeKey';
import { pathValues, WORKITEM_INDEXES, type WorkitemIndex } from './workitemAttributes';
import type { WorkitemRecord } from './workitemRecord';

/** Only the first values of an attribute are indexed (as QIDO's indexes do, issue 13). */
export const MAX_INDEXED_VALUES = 8;

export function workitemIndexEntries(record: WorkitemRecord): IndexEntry[] {
  const entries = new Map<string, IndexEntry>();
  for (const index of WORKITEM_INDEXES) {
    for (const key of indexKeys(index, record)) {
      const entry = { table: index.table, partitionKey: shardedKey(key, record.uid), rowKey: record.uid };
      entries.set(entryId(entry), entry);
    }
  }
  return [...entries.values()];
}

/** `{state}|{start}`: one state's entries sort by scheduled start. */
export function stateDateKey(state: string, start: string): string {
  return `${keyOf(state)}|${start}`;
}

function indexKeys(index: WorkitemIndex, record: WorkitemRecord): string[] {
  if (index.kind === 'stateDate') {
    const start = pathValues(record.dataset, [T.ScheduledProcedureStepStartDateTime])[0];
    return [stateDateKey(record.state, (start && dateTimeKey(start, '0')) ?? '')];
  }
  const keys = new Set<string>();
  for (const raw of pathValues(record.dataset, index.path).slice(0, MAX_INDEXED_VALUES)) {
    const value = normalizeValue(index.match, raw);
    if (!value) continue;
    if (index.kind === 'word') for (const word of nameWords(value)) keys.add(keyOf(word));
    else keys.add(keyOf(value));
  }
  return [...keys];
}
