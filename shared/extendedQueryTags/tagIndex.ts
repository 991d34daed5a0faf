/**
 * The index layout of extended query tags (docs/extended-query-tags.md). Two tables, made per
 * data partition by tableNamed():
 *
 * - `IxExtTags`, the lookup index: PartitionKey `{path}{generation}|{kind}{key}|{shard}`, RowKey the
 *   entity key. Kinds: `E` exact key, `W` a word of a person name (fuzzy), `R` a range-ordered key
 *   (DA, DT, TM: fixed width, so a range of values is a range of PartitionKeys). A query reads
 *   only the entries that match, sharded 16 ways so a common value is not one hot partition.
 * - `IxExtTagValues`, one row per tagged entity: PartitionKey `{path}{generation}|{shard}`, RowKey
 *   the entity key, `V` its value. Filters that do not drive the search are checked by a point
 *   read of it, and it settles which of two values of a study or series is current.
 *
 * The entity key is the study UID, `{study}|{series}` or `{study}|{series}|{sop}` by the tag's
 * level. Every write is an upsert of a deterministic entity, so writing twice changes nothing.
 */
import type { TableClient } from '@azure/data-tables';
import type { InstanceKey } from '../storage/blobLayout';
import { tableNamed } from '../storage/clients';
import { escapeTableKey, cutAtCodePoint } from '../search/normalize';
import { shardOf } from '../search/indexEntries';
import type { Level } from '../search/searchableAttributes';
import type { TagRef } from './tagModel';
import { isRangeMatch, matchOf, type IndexedValue } from './tagValues';
import type { SupportedVr } from './tagModel';

export const TAG_INDEX_TABLES = { index: 'IxExtTags', values: 'IxExtTagValues' } as const;

export function tagIndexTable(): TableClient {
  return tableNamed(TAG_INDEX_TABLES.index);
}

export function tagValueTable(): TableClient {
  return tableNamed(TAG_INDEX_TABLES.values);
}

/** Keys are cut: a long value still gets one bounded key (matching re-checks the stored value). */
const MAX_KEY_CHARS = 128;
/** A person name adds at most this many word entries. */
const MAX_WORDS = 16;

export type EntryKind = 'E' | 'W' | 'R';

export interface TagWrite {
  readonly table: 'index' | 'values';
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly value?: string;
}

/** `{path}{generation}|`: every entry of one definition starts so (cleanup deletes this range). */
export function definitionPrefix(tag: TagRef): string {
  return `${tag.path}${tag.generation}|`;
}

export function entityKeyOf(level: Level, key: InstanceKey): string {
  switch (level) {
    case 'study':
      return key.studyInstanceUid;
    case 'series':
      return `${key.studyInstanceUid}|${key.seriesInstanceUid}`;
    case 'instance':
      return `${key.studyInstanceUid}|${key.seriesInstanceUid}|${key.sopInstanceUid}`;
  }
}

export function entityOfKey(level: Level, entityKey: string): Partial<InstanceKey> & { studyInstanceUid: string } {
  const [studyInstanceUid = '', seriesInstanceUid, sopInstanceUid] = entityKey.split('|');
  if (level === 'study') return { studyInstanceUid };
  if (level === 'series') return { studyInstanceUid, seriesInstanceUid: seriesInstanceUid ?? '' };
  return { studyInstanceUid, seriesInstanceUid: seriesInstanceUid ?? '', sopInstanceUid: sopInstanceUid ?? '' };
}

export function tableKey(key: string): string {
  return escapeTableKey(cutAtCodePoint(key, MAX_KEY_CHARS));
}

/** PartitionKey of the value row of an entity. */
export function valuePartition(tag: TagRef, entityKey: string): string {
  return `${definitionPrefix(tag)}${shardOf(entityKey)}`;
}

/** The PartitionKey prefix (before the shard) of an index key of a kind. */
export function indexKeyPrefix(tag: TagRef, kind: EntryKind, key: string): string {
  return `${definitionPrefix(tag)}${kind}${tableKey(key)}|`;
}

export function exactKindOf(vr: SupportedVr): EntryKind {
  return isRangeMatch(matchOf(vr)) ? 'R' : 'E';
}

/** Every write that indexes `value` of the tag for one entity. */
export function tagWrites(tag: TagRef & { vr: SupportedVr }, entityKey: string, value: IndexedValue): TagWrite[] {
  const shard = shardOf(entityKey);
  const writes: TagWrite[] = [
    { table: 'values', partitionKey: valuePartition(tag, entityKey), rowKey: entityKey, value: value.stored },
    {
      table: 'index',
      partitionKey: `${indexKeyPrefix(tag, exactKindOf(tag.vr), value.key)}${shard}`,
      rowKey: entityKey,
    },
  ];
  for (const word of value.words.slice(0, MAX_WORDS)) {
    writes.push({ table: 'index', partitionKey: `${indexKeyPrefix(tag, 'W', word)}${shard}`, rowKey: entityKey });
  }
  return writes;
}
