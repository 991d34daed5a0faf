/**
 * The index entries a study summary owns (pure): the summary refresh writes the ones a new
 * summary adds and removes the ones it drops, so the indexes describe the summaries. An entry is
 * a pointer (its keys, no other property): the summary rows are the one stored copy of what it
 * points at, and a search reads them for every candidate (docs/search.md, "Writes").
 */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { Tag } from '../dicom/tags';
import { attributeValues } from './matcher';
import { cutAtCodePoint, escapeTableKey, insideSurrogatePair, nameWords, normalizeValue } from './normalize';
import { searchableAttribute, type MatchType } from './searchableAttributes';
import { SEARCH_INDEXES, type SearchIndex } from './searchIndexes';
import type { StudySummary } from './studySummary';

export interface IndexEntry {
  readonly table: string;
  readonly partitionKey: string;
  readonly rowKey: string;
}

/** Normalized values longer than this are cut for keys (matching re-checks the whole value). */
export const MAX_KEY_VALUE_CHARS = 128;
/** Substring entries cover the first this many characters of a value (LO and PN components are 64). */
export const MAX_SUBSTRING_CHARS = 64;

/**
 * Every index PartitionKey is `{key}|{shard}`, the shard a hex digit taken from the RowKey: a
 * common value (Modality CT, a one-letter suffix) spreads over 16 partitions instead of making one
 * hot partition, and lookups read the range `{key}|` to `{key}|~`. The hash must never change:
 * stored entries depend on it.
 */
export const SHARDS = 16;

export function shardOf(rowKey: string): string {
  let hash = 0x811c9dc5; // FNV-1a, 32 bits
  for (let i = 0; i < rowKey.length; i++) {
    hash ^= rowKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % SHARDS).toString(16);
}

export function shardedKey(key: string, rowKey: string): string {
  return `${key}|${shardOf(rowKey)}`;
}

/** The base key of a sharded PartitionKey. */
export function unshardedKey(partitionKey: string): string {
  return partitionKey.slice(0, partitionKey.lastIndexOf('|'));
}

export function entryId(entry: IndexEntry): string {
  return `${entry.table}\n${entry.partitionKey}\n${entry.rowKey}`;
}

export function seriesRowKey(studyInstanceUid: string, seriesInstanceUid: string): string {
  return `${studyInstanceUid}|${seriesInstanceUid}`;
}

/** Every study- and series-level entry of the summary (the SOP Instance UID index is written per instance). */
export function summaryIndexEntries(summary: StudySummary | undefined): IndexEntry[] {
  if (!summary) return [];
  const entries: IndexEntry[] = [];
  const studyAttributes: DicomJsonDataset = {
    ...summary.attributes,
    [Tag.ModalitiesInStudy]: { vr: 'CS', Value: [...summary.modalities] },
  };
  const push = (index: SearchIndex, key: string, rowKey: string) =>
    entries.push({ table: index.table, partitionKey: shardedKey(key, rowKey), rowKey });
  for (const index of SEARCH_INDEXES) {
    if (index.level === 'study') {
      for (const key of partitionKeys(index, attributeValues(studyAttributes, index.tag))) {
        push(index, key, summary.studyInstanceUid);
      }
    } else if (index.level === 'series') {
      for (const series of summary.series) {
        const rowKey = seriesRowKey(summary.studyInstanceUid, series.seriesInstanceUid);
        for (const key of partitionKeys(index, attributeValues(series.attributes, index.tag))) {
          push(index, key, rowKey);
        }
      }
    }
  }
  return entries;
}

/**
 * Write-amplification caps (issue 13: one 6 KB instance with 100 person names once made 6,143
 * index entities): an attribute's values after the 8th are not indexed, and one attribute adds at
 * most 256 keys to one index. Searches by index do not find a study by such extra values.
 */
export const MAX_INDEXED_VALUES_PER_ATTRIBUTE = 8;
export const MAX_KEYS_PER_ATTRIBUTE_INDEX = 256;

/** The keys (PartitionKeys before sharding) of one index for an attribute's values. */
export function partitionKeys(index: SearchIndex, values: readonly string[]): Set<string> {
  const keys = allPartitionKeys(index, values.slice(0, MAX_INDEXED_VALUES_PER_ATTRIBUTE));
  return keys.size <= MAX_KEYS_PER_ATTRIBUTE_INDEX ? keys : new Set([...keys].slice(0, MAX_KEYS_PER_ATTRIBUTE_INDEX));
}

function allPartitionKeys(index: SearchIndex, values: readonly string[]): Set<string> {
  const match = matchTypeOf(index.tag);
  const keys = new Set<string>();
  for (const raw of values) {
    const value = normalizeValue(match, raw);
    if (!value) continue;
    switch (index.kind) {
      case 'exact':
        keys.add(keyOf(value));
        break;
      case 'date':
        if (/^\d{8}$/.test(value)) keys.add(value);
        break;
      case 'word':
        for (const word of nameWords(value)) keys.add(keyOf(word));
        break;
      case 'substring': {
        const head = cutAtCodePoint(value, MAX_SUBSTRING_CHARS);
        for (let start = 0; start < head.length; start++) {
          if (!insideSurrogatePair(head, start)) keys.add(escapeTableKey(head.slice(start)));
        }
        break;
      }
    }
  }
  return keys;
}

/** A normalized value as a key: cut, then escaped. */
export function keyOf(normalized: string): string {
  return escapeTableKey(cutAtCodePoint(normalized, MAX_KEY_VALUE_CHARS));
}

export function matchTypeOf(tag: string): MatchType {
  return searchableAttribute(tag)?.match ?? 'string';
}
