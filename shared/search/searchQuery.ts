/** A parsed QIDO-RS request: what to match, what to return, and which page. */
import type { ExtendedFilter } from '../extendedQueryTags/tagFilter';
import type { SearchableAttribute, SearchResource } from './searchableAttributes';

/**
 * One match condition. Values are kept as the client sent them (decoded from the URL);
 * normalization for comparison and index keys happens in `normalize.ts`.
 */
export type Filter =
  /** Single value matching, no wildcards. */
  | { readonly kind: 'exact'; readonly attribute: SearchableAttribute; readonly value: string }
  /** UID list matching (PS3.18 8.3.4.1): `a,b` or `a\b`; also a single UID. */
  | { readonly kind: 'uidList'; readonly attribute: SearchableAttribute; readonly values: readonly string[] }
  /** Inclusive date range; either end may be open, never both. Values are YYYYMMDD. */
  | {
      readonly kind: 'dateRange';
      readonly attribute: SearchableAttribute;
      readonly from: string | undefined;
      readonly to: string | undefined;
    }
  /** `*` and `?` wildcards (PS3.4 C.2.2.2.4) on a string, code or person name attribute. */
  | { readonly kind: 'wildcard'; readonly attribute: SearchableAttribute; readonly pattern: string }
  /** `fuzzymatching=true` on a person name: every word must start some part of the name. */
  | { readonly kind: 'fuzzyName'; readonly attribute: SearchableAttribute; readonly words: readonly string[] };

export interface SearchQuery {
  readonly resource: SearchResource;
  /** From the path of study-scoped resources. */
  readonly studyInstanceUid?: string;
  readonly seriesInstanceUid?: string;
  /** At most one filter per attribute. */
  readonly filters: readonly Filter[];
  /** Filters on extended query tags (docs/extended-query-tags.md), checked after the others. */
  readonly extendedFilters?: readonly ExtendedFilter[];
  /** `all`, or the extra tags asked for (eight hex digits, uppercase). */
  readonly includeFields: 'all' | ReadonlySet<string>;
  readonly limit: number;
  readonly offset: number;
}

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 200;
