/**
 * Extended query tags (docs/extended-query-tags.md): the definitions the API manages and the
 * names Azure's JSON uses for them.
 */
import type { Level } from '../search/searchableAttributes';

export type TagStatus = 'adding' | 'ready' | 'deleting';
export type QueryStatus = 'enabled' | 'disabled';

/** The VRs Azure can index (ExtendedQueryTagEntryValidator's list). */
export const SUPPORTED_VRS = [
  'AE',
  'AS',
  'CS',
  'DA',
  'DS',
  'DT',
  'FD',
  'FL',
  'IS',
  'LO',
  'PN',
  'SH',
  'SL',
  'SS',
  'TM',
  'UI',
  'UL',
  'US',
] as const;
export type SupportedVr = (typeof SUPPORTED_VRS)[number];

export function isSupportedVr(vr: string): vr is SupportedVr {
  return (SUPPORTED_VRS as readonly string[]).includes(vr);
}

/** Azure's limit on defined tags (ExtendedQueryTagConfiguration.MaxAllowedCount). */
export const MAX_EXTENDED_QUERY_TAGS = 128;

/**
 * Tags one POST may add: its rows and the set's guard row go in one entity-group transaction,
 * which holds at most 100 operations (Azure Table Storage). Azure takes up to 128 in one request.
 */
export const MAX_TAGS_PER_REQUEST = 99;

export interface ExtendedQueryTag {
  /** Eight uppercase hex digits. */
  readonly path: string;
  readonly vr: SupportedVr;
  readonly privateCreator?: string;
  readonly level: Level;
  readonly status: TagStatus;
  readonly queryStatus: QueryStatus;
  readonly errorCount: number;
  /** The reindex operation bound to the tag while it is being added. */
  readonly operationId?: string;
  /**
   * Random, fresh for every definition of the path: index entries carry it, so the entries of a
   * deleted definition (cleaned up in the background) are never read by a new one.
   */
  readonly generation: string;
  readonly createdTime: Date;
}

/** What a reindex or an index cleanup needs to find a definition's entries. */
export interface TagRef {
  readonly path: string;
  readonly generation: string;
}

export function tagRefOf(tag: TagRef): TagRef {
  return { path: tag.path, generation: tag.generation };
}
