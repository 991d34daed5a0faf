/**
 * QIDO-RS on extended query tags: which tags a resource may filter on (Azure's level rules),
 * how a query value becomes a filter (range for DA/DT/TM, fuzzy for PN, exact otherwise), and
 * whether a stored value matches it. Index scans and the matcher share tagValues.ts's keys.
 */
import { BadRequestError } from '../errors';
import type { Level, SearchResource } from '../search/searchableAttributes';
import type { ExtendedQueryTag } from './tagModel';
import { echoed } from './tagPath';
import { dateKey, dateTimeKey, keyOf, matchOf, queryWords, timeKey } from './tagValues';

export type TagCondition =
  | { readonly kind: 'exact'; readonly key: string }
  /** Inclusive; `to` is a prefix (every value that starts with it is in range). */
  | { readonly kind: 'range'; readonly from?: string; readonly to?: string }
  | { readonly kind: 'fuzzy'; readonly words: readonly string[] };

export interface ExtendedFilter {
  readonly tag: ExtendedQueryTag;
  /** The query parameter as the client wrote it (for the erroneous-dicom-attributes header). */
  readonly name: string;
  readonly condition: TagCondition;
}

/** Tag levels each resource may filter on (QueryLimit in the Azure DICOM service). */
const LEVELS_OF_RESOURCE: Readonly<Record<SearchResource, readonly Level[]>> = {
  studies: ['study'],
  series: ['study', 'series'],
  instances: ['study', 'series', 'instance'],
  studySeries: ['series'],
  studyInstances: ['series', 'instance'],
  studySeriesInstances: ['instance'],
};

function notQueryable(name: string): BadRequestError {
  return new BadRequestError(
    `Invalid QIDO-RS query. AttributeId ${echoed(name)} is not queryable. If the parameter is an attribute keyword, ` +
      'check the casing as they are case-sensitive. The conformance statement has a list of supported query ' +
      'parameters, attributes and the levels.',
  );
}

/** The filter of one query parameter on an extended query tag, or Azure's 400. */
export function parseTagFilter(
  resource: SearchResource,
  tag: ExtendedQueryTag,
  name: string,
  value: string,
  fuzzy: boolean,
): ExtendedFilter {
  if (tag.status !== 'ready' || !LEVELS_OF_RESOURCE[resource].includes(tag.level)) throw notQueryable(name);
  if (tag.queryStatus === 'disabled') {
    throw new BadRequestError(`Query is disabled on specified attribute '${echoed(name)}'.`);
  }
  if (value === '') {
    throw new BadRequestError(
      `Invalid QIDO-RS query. AttributeId '${echoed(name)}' has empty string value that is not supported.`,
    );
  }
  return { tag, name, condition: conditionOf(tag, name, value, fuzzy) };
}

function conditionOf(tag: ExtendedQueryTag, name: string, value: string, fuzzy: boolean): TagCondition {
  const match = matchOf(tag.vr);
  switch (match) {
    case 'date':
    case 'dateTime':
    case 'time':
      return rangeOf(match, name, value);
    case 'personName':
      return fuzzy ? { kind: 'fuzzy', words: fuzzyWords(name, value) } : exact(tag, name, value);
    case 'double':
    case 'long':
    case 'text':
    case 'uid':
      return exact(tag, name, value);
  }
}

function exact(tag: ExtendedQueryTag, name: string, value: string): TagCondition {
  const key = keyOf(tag.vr, value);
  if (typeof key === 'string') return { kind: 'exact', key };
  const match = matchOf(tag.vr);
  if (match === 'double' || match === 'long') {
    throw new BadRequestError(
      `Invalid QIDO-RS query. Specified value '${echoed(value)}' extended query tag with path '${tag.path}' is not a valid ${match} value.`,
    );
  }
  throw new BadRequestError(
    `Invalid QIDO-RS query. The value '${echoed(value)}' of '${echoed(name)}' is invalid: ${key.why}`,
  );
}

function fuzzyWords(name: string, value: string): string[] {
  const words = queryWords(value);
  if (words.length === 0)
    throw new BadRequestError(`Invalid QIDO-RS query. The name '${echoed(value)}' of '${echoed(name)}' has no words.`);
  return words;
}

/**
 * `a`, `a-b`, `a-` or `-b`. Each end is checked as a value of the VR, then kept as its digits
 * (the key prefix it stands for): `20240102` as an upper end includes that whole day.
 */
function rangeOf(match: 'date' | 'dateTime' | 'time', name: string, value: string): TagCondition {
  const parts = value.split('-');
  // A DT may carry a negative UTC offset; only DA and TM ranges are split on every '-'.
  const [first = '', second] = match === 'dateTime' ? splitDateTimeRange(value) : parts;
  if ((match !== 'dateTime' && parts.length > 2) || (first === '' && (second === undefined || second === ''))) {
    throw invalidRangeValue(match, name, value);
  }
  const from = first === '' ? undefined : rangeEnd(match, name, value, first);
  if (second === undefined) return { kind: 'range', from, to: from };
  const to = second === '' ? undefined : rangeEnd(match, name, value, second);
  if (from !== undefined && to !== undefined && from > to) throw invalidRangeValue(match, name, value);
  return { kind: 'range', ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** A DT range splits at the '-' that follows a complete value or starts the text. */
function splitDateTimeRange(value: string): [string, string | undefined] {
  const m = /^([^-]*?(?:[+-]\d{4})?)-(.*)$/.exec(value);
  if (!m) return [value, undefined];
  return [m[1] ?? '', m[2] ?? ''];
}

function rangeEnd(match: 'date' | 'dateTime' | 'time', name: string, value: string, text: string): string {
  const checked = match === 'date' ? dateKey(text) : match === 'dateTime' ? dateTimeKey(text) : timeKey(text);
  if (checked === undefined) throw invalidRangeValue(match, name, value);
  if (match === 'date') return checked;
  // The digits as given (without separators or a UTC offset): a prefix of the stored keys.
  const digits = match === 'time' ? text.replace(/:/g, '') : text.replace(/[+-]\d{4}$/, '');
  return digits;
}

function invalidRangeValue(match: 'date' | 'dateTime' | 'time', name: string, value: string): BadRequestError {
  const what = match === 'date' ? 'Date' : match === 'dateTime' ? 'DateTime' : 'Time';
  const form = match === 'date' ? 'yyyyMMdd' : match === 'dateTime' ? 'yyyyMMddHHmmss.ffffff' : 'HHmmss.ffffff';
  return new BadRequestError(
    `Invalid QIDO-RS query. Specified ${what} value '${echoed(value)}' is invalid for parameter '${echoed(name)}'. ${what} should be valid and formatted as ${form}.`,
  );
}

/** Whether a stored value (as indexed) satisfies the filter. */
export function storedValueMatches(filter: ExtendedFilter, stored: string | undefined): boolean {
  if (stored === undefined) return false;
  const key = keyOf(filter.tag.vr, stored);
  if (typeof key !== 'string') return false;
  const condition = filter.condition;
  switch (condition.kind) {
    case 'exact':
      return key === condition.key;
    case 'range':
      return (
        (condition.from === undefined || key >= condition.from) &&
        (condition.to === undefined || key <= condition.to || key.startsWith(condition.to))
      );
    case 'fuzzy': {
      const words = queryWords(stored);
      return condition.words.every((w) => words.some((part) => part.startsWith(w)));
    }
  }
}
