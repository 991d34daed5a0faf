/**
 * Turns QIDO-RS query parameters (PS3.18 8.3.4, as the Azure DICOM v2 conformance statement
 * restricts them) into a SearchQuery. Anything the service would not honour is a 400 naming the
 * parameter, never silently ignored.
 */
import { lookupTag, tagForKeyword } from '../dicom/dictionary';
import { isAddressableUid } from '../dicom/uid';
import { BadRequestError } from '../errors';
import { parseTagFilter, type ExtendedFilter } from '../extendedQueryTags/tagFilter';
import type { ExtendedQueryTag } from '../extendedQueryTags/tagModel';
import { normalizePersonName } from './normalize';
import { searchableAttribute, type SearchableAttribute, type SearchResource } from './searchableAttributes';
import { DEFAULT_LIMIT, MAX_LIMIT, type Filter, type SearchQuery } from './searchQuery';

export interface SearchScope {
  readonly studyInstanceUid?: string;
  readonly seriesInstanceUid?: string;
}

const MIN_LIMIT = 1;
const DEFAULT_OFFSET = 0;
/**
 * Deepest page served. Each page re-reads the index from its start, so a search costs reads in
 * proportion to `offset`; 10000 keeps the worst page to a few seconds of table reads. The Azure
 * DICOM service accepts up to 2^31-1 (an int); deeper result sets are reached by narrowing the
 * search (a date range) rather than paging.
 */
export const MAX_OFFSET = 10_000;
/** Long values are cut in error messages so a client cannot make us echo megabytes. */
const MAX_ECHOED_LENGTH = 100;
/**
 * Most UIDs in one UID-list parameter. The Functions host (Kestrel) answers 414 to a request line over
 * 8 KB before the app sees it; 100 UIDs of the longest kind (64 characters and a separator) take under
 * 7 KB, so a list the app accepts also reaches it, and a longer one gets a 400 that says what to do.
 */
export const MAX_UIDS_PER_LIST = 100;
/**
 * Longest wildcard pattern, in code points: the longest searchable value (LO, a PN component) is
 * 64, and matching costs pattern × value steps per candidate (issue 13: a long pattern once
 * stalled the server for seconds).
 */
export const MAX_WILDCARD_PATTERN_CHARS = 64;

const RESERVED = ['limit', 'offset', 'fuzzymatching', 'includefield'] as const;
type Reserved = (typeof RESERVED)[number];

const HEX_TAG = /^[0-9A-Fa-f]{8}$/;
const DIGITS = /^[0-9]+$/;
const WILDCARD = /[*?]/;
const UID_SEPARATORS = /[,\\]/;
const DATE = /^(\d{4})(\d{2})(\d{2})$/;
const FUZZY_WORD_SEPARATORS = /[\s^=]+/u;
/** Surrounding spaces and trailing NUL padding of a decoded value. */
const VALUE_PADDING = /^ +|[ \0]+$/g;

const RESOURCE_NAMES: Readonly<Record<SearchResource, string>> = {
  studies: 'studies',
  series: 'series',
  instances: 'instances',
  studySeries: "a study's series",
  studyInstances: "a study's instances",
  studySeriesInstances: "a series' instances",
};

/**
 * Whether a parameter names an attribute that is not built in (an extended query tag, maybe):
 * only then does a search read the tag definitions.
 */
export function namesOtherAttributes(params: URLSearchParams): boolean {
  for (const name of params.keys()) {
    if (RESERVED.some((r) => r === name.toLowerCase())) continue;
    const tag = HEX_TAG.test(name) ? name.toUpperCase() : tagForKeyword(name);
    if (tag !== undefined && !searchableAttribute(tag)) return true;
  }
  return false;
}

export function parseSearchQuery(
  resource: SearchResource,
  params: URLSearchParams,
  scope: SearchScope,
  /** The extended query tags by path, when the parameters name attributes that are not built in. */
  extendedTags?: ReadonlyMap<string, ExtendedQueryTag>,
): SearchQuery {
  const reserved = new Map<Reserved, { name: string; values: string[] }>();
  const attributes: [string, string][] = [];
  for (const [name, value] of params) {
    const key = RESERVED.find((r) => r === name.toLowerCase());
    if (key === undefined) {
      attributes.push([name, value]);
      continue;
    }
    const entry = reserved.get(key);
    if (entry && key !== 'includefield') throw new BadRequestError(`The query parameter '${name}' is given twice.`);
    if (entry) entry.values.push(value);
    else reserved.set(key, { name, values: [value] });
  }

  // Reserved parameters first: fuzzymatching changes how a name given before it is read.
  const limitParam = reserved.get('limit');
  const offsetParam = reserved.get('offset');
  const fuzzyParam = reserved.get('fuzzymatching');
  const includeParam = reserved.get('includefield');
  const limit = limitParam ? parseLimit(limitParam.name, limitParam.values[0] ?? '') : DEFAULT_LIMIT;
  const offset = offsetParam ? parseOffset(offsetParam.name, offsetParam.values[0] ?? '') : DEFAULT_OFFSET;
  const fuzzy = fuzzyParam ? parseBoolean(fuzzyParam.name, fuzzyParam.values[0] ?? '') : false;
  const includeFields = includeParam ? parseIncludeFields(includeParam.name, includeParam.values) : new Set<string>();

  const seen = new Map<string, string>();
  const filters: Filter[] = [];
  const extendedFilters: ExtendedFilter[] = [];
  const once = (tag: string, name: string) => {
    const earlier = seen.get(tag);
    if (earlier !== undefined) {
      const how = earlier === name ? 'is given twice' : `repeats the attribute already given as '${earlier}'`;
      throw new BadRequestError(`The query parameter '${name}' ${how}.`);
    }
    seen.set(tag, name);
  };
  for (const [name, rawValue] of attributes) {
    const extended = extendedTagOf(name, extendedTags);
    if (extended) {
      once(extended.path, name);
      extendedFilters.push(parseTagFilter(resource, extended, name, rawValue.replace(VALUE_PADDING, ''), fuzzy));
      continue;
    }
    const attribute = resolveAttribute(resource, name);
    once(attribute.tag, name);
    filters.push(parseFilter(attribute, name, rawValue.replace(VALUE_PADDING, ''), fuzzy));
  }

  return {
    resource,
    ...(scope.studyInstanceUid !== undefined && { studyInstanceUid: scope.studyInstanceUid }),
    ...(scope.seriesInstanceUid !== undefined && { seriesInstanceUid: scope.seriesInstanceUid }),
    filters,
    ...(extendedFilters.length > 0 && { extendedFilters }),
    includeFields,
    limit,
    offset,
  };
}

function invalid(name: string, value: string, why: string): BadRequestError {
  const shown = value.length > MAX_ECHOED_LENGTH ? `${value.slice(0, MAX_ECHOED_LENGTH)}…` : value;
  return new BadRequestError(`The query parameter '${name}' has an invalid value '${shown}': ${why}.`);
}

function parseLimit(name: string, value: string): number {
  const n = DIGITS.test(value) ? Number(value) : NaN;
  if (!(n >= MIN_LIMIT && n <= MAX_LIMIT)) {
    throw invalid(name, value, `it must be an integer from ${MIN_LIMIT} to ${MAX_LIMIT}`);
  }
  return n;
}

function parseOffset(name: string, value: string): number {
  if (!DIGITS.test(value)) throw invalid(name, value, 'it must be an integer of 0 or more');
  const n = Number(value);
  if (n > MAX_OFFSET) {
    throw invalid(name, value, `it must be at most ${MAX_OFFSET}; narrow the search (e.g. a StudyDate range) instead`);
  }
  return n;
}

function parseBoolean(name: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw invalid(name, value, "it must be 'true' or 'false'");
  return lower === 'true';
}

function parseIncludeFields(name: string, values: readonly string[]): 'all' | ReadonlySet<string> {
  const tags = new Set<string>();
  let all = false;
  for (const value of values) {
    for (const item of value.split(',').map((s) => s.trim())) {
      if (item.toLowerCase() === 'all') all = true;
      else if (HEX_TAG.test(item)) tags.add(item.toUpperCase());
      else {
        const tag = tagForKeyword(item);
        if (tag === undefined) throw invalid(name, value, `'${item}' is not 'all', a DICOM keyword or a tag`);
        tags.add(tag);
      }
    }
  }
  return all ? 'all' : tags;
}

/** The extended query tag a parameter names, if it names one that is not built in. */
function extendedTagOf(
  name: string,
  tags: ReadonlyMap<string, ExtendedQueryTag> | undefined,
): ExtendedQueryTag | undefined {
  if (!tags || tags.size === 0) return undefined;
  const tag = HEX_TAG.test(name) ? name.toUpperCase() : tagForKeyword(name);
  return tag === undefined || searchableAttribute(tag) ? undefined : tags.get(tag);
}

function resolveAttribute(resource: SearchResource, name: string): SearchableAttribute {
  const tag = HEX_TAG.test(name) ? name.toUpperCase() : tagForKeyword(name);
  if (tag === undefined) {
    throw new BadRequestError(
      `Unknown query parameter '${name}': it is not a reserved parameter, a DICOM keyword or a tag.`,
    );
  }
  const attribute = searchableAttribute(tag);
  if (!attribute?.resources.includes(resource)) {
    const known = lookupTag(tag)?.keyword;
    const what = known !== undefined && known !== name ? ` (${known})` : '';
    throw new BadRequestError(
      `The query parameter '${name}'${what} is an attribute not supported for searching ${RESOURCE_NAMES[resource]}.`,
    );
  }
  return attribute;
}

function parseFilter(attribute: SearchableAttribute, name: string, value: string, fuzzy: boolean): Filter {
  if (value === '') throw invalid(name, value, 'an empty value matches nothing');
  switch (attribute.match) {
    case 'uid':
      return { kind: 'uidList', attribute, values: parseUidList(name, value) };
    case 'date':
      return { kind: 'dateRange', attribute, ...parseDateRange(name, value) };
    case 'personName':
      if (WILDCARD.test(value)) return { kind: 'wildcard', attribute, pattern: wildcardPattern(name, value) };
      if (fuzzy) return { kind: 'fuzzyName', attribute, words: fuzzyWords(name, value) };
      return { kind: 'exact', attribute, value };
    case 'string':
    case 'code':
      return WILDCARD.test(value)
        ? { kind: 'wildcard', attribute, pattern: wildcardPattern(name, value) }
        : { kind: 'exact', attribute, value };
  }
}

function wildcardPattern(name: string, value: string): string {
  if ([...value].length > MAX_WILDCARD_PATTERN_CHARS) {
    throw invalid(name, value, `a wildcard pattern has at most ${MAX_WILDCARD_PATTERN_CHARS} characters`);
  }
  return value;
}

function parseUidList(name: string, value: string): string[] {
  if (WILDCARD.test(value)) throw invalid(name, value, 'wildcards are not allowed in UIDs');
  const uids = value.split(UID_SEPARATORS).map((s) => s.trim());
  if (uids.length > MAX_UIDS_PER_LIST) {
    throw new BadRequestError(
      `The query parameter '${name}' lists ${uids.length} UIDs; at most ${MAX_UIDS_PER_LIST} are allowed in one ` +
        `parameter. Split the query into several requests of at most ${MAX_UIDS_PER_LIST} UIDs each.`,
    );
  }
  for (const uid of uids) {
    if (!isAddressableUid(uid)) {
      throw invalid(name, value, `'${uid}' is not a UID (1 to 64 letters, digits, '.' and '-')`);
    }
  }
  return [...new Set(uids)];
}

function parseDateRange(name: string, value: string): { from: string | undefined; to: string | undefined } {
  if (WILDCARD.test(value)) throw invalid(name, value, 'wildcards are not allowed in dates');
  const parts = value.split('-');
  if (parts.length > 2) throw invalid(name, value, 'expected YYYYMMDD or a range YYYYMMDD-YYYYMMDD');
  const [first = '', second] = parts;
  if (second === undefined) {
    const date = parseDate(name, value, first);
    return { from: date, to: date };
  }
  if (first === '' && second === '') throw invalid(name, value, 'a range needs at least one end');
  const from = first === '' ? undefined : parseDate(name, value, first);
  const to = second === '' ? undefined : parseDate(name, value, second);
  if (from !== undefined && to !== undefined && from > to) {
    throw invalid(name, value, 'the range starts after it ends');
  }
  return { from, to };
}

/** YYYYMMDD naming a real calendar day. */
function parseDate(name: string, value: string, text: string): string {
  const m = DATE.exec(text);
  const [year, month, day] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
  const real = m !== null && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
  if (!real) throw invalid(name, value, `'${text}' is not a calendar date of the form YYYYMMDD`);
  return text;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const FEBRUARY = 2;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return (DAYS_IN_MONTH[month - 1] ?? 0) + (leap && month === FEBRUARY ? 1 : 0);
}

function fuzzyWords(name: string, value: string): string[] {
  const words = value
    .split(FUZZY_WORD_SEPARATORS)
    .map(normalizePersonName)
    .filter((w) => w !== '');
  if (words.length === 0) throw invalid(name, value, 'the name has no words to match');
  return words;
}
