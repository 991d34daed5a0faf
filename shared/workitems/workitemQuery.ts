/**
 * Parses a worklist search (`GET /workitems?...`, PS3.18 11.9) as the Azure service reads it:
 * exact matching on the searchable attributes, an inclusive range on
 * ScheduledProcedureStepStartDateTime, and `fuzzymatching=true` (word prefixes) on PatientName.
 */
import { lookupTag, tagForKeyword } from '../dicom/dictionary';
import { BadRequestError } from '../errors';
import { nameWords, normalizePersonName, normalizeValue } from '../search/normalize';
// The QIDO-RS paging bounds: each page re-reads from the start of the index, as a QIDO search does.
import { MAX_OFFSET } from '../search/queryParser';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../search/searchQuery';
import { dateTimeKey } from './dateTimeKey';
import { findAttribute, type WorkitemAttribute } from './workitemAttributes';

export type WorkitemFilter =
  | { readonly kind: 'exact'; readonly attribute: WorkitemAttribute; readonly value: string }
  | { readonly kind: 'fuzzy'; readonly attribute: WorkitemAttribute; readonly words: readonly string[] }
  /** 14-digit keys (dateTimeKey), inclusive; one end may be open. */
  | {
      readonly kind: 'range';
      readonly attribute: WorkitemAttribute;
      readonly from: string | undefined;
      readonly to: string | undefined;
    };

export interface WorkitemQuery {
  readonly filters: readonly WorkitemFilter[];
  /** `all`, or top-level tags to return beyond the required ones. */
  readonly includeFields: 'all' | ReadonlySet<string>;
  readonly limit: number;
  readonly offset: number;
}

const RESERVED = ['includefield', 'limit', 'offset', 'fuzzymatching'] as const;
const TAG = /^[0-9A-Fa-f]{8}$/;
const MAX_ECHOED = 64;

export function parseWorkitemQuery(params: URLSearchParams): WorkitemQuery {
  const reserved = new Map<string, string[]>();
  const attributes: [string, string][] = [];
  for (const [name, value] of params) {
    const key = RESERVED.find((r) => r === name.toLowerCase());
    if (key === undefined) attributes.push([name, value]);
    else reserved.set(key, [...(reserved.get(key) ?? []), value]);
  }
  for (const [key, values] of reserved) {
    if (key !== 'includefield' && values.length > 1)
      throw new BadRequestError(`The query parameter '${key}' is given twice.`);
  }
  const limit = integer('limit', reserved.get('limit')?.[0], DEFAULT_LIMIT, 1, MAX_LIMIT);
  const offset = integer('offset', reserved.get('offset')?.[0], 0, 0, MAX_OFFSET);
  const fuzzy = boolean('fuzzymatching', reserved.get('fuzzymatching')?.[0]);
  const includeFields = parseIncludeFields(reserved.get('includefield') ?? []);
  const seen = new Set<string>();
  const filters = attributes.map(([name, value]) => {
    const attribute = resolveAttribute(name);
    const key = attribute.path.join('.');
    if (seen.has(key)) throw new BadRequestError(`The query parameter '${name}' repeats an attribute already given.`);
    seen.add(key);
    return parseFilter(attribute, name, value.trim(), fuzzy);
  });
  return { filters, includeFields, limit, offset };
}

function resolveAttribute(name: string): WorkitemAttribute {
  const segments = name.split('.');
  if (segments.length > 2) throw new BadRequestError('Nested Dicom sequence tags are currently not supported.');
  const path = segments.map((segment) => (TAG.test(segment) ? segment.toUpperCase() : tagForKeyword(segment)));
  const attribute = path.every((tag) => tag !== undefined) ? findAttribute(path) : undefined;
  if (!attribute) {
    throw new BadRequestError(
      `Invalid query: AttributeId ${shown(name)} is not queryable. If the parameter is an attribute keyword, check the casing as they are case-sensitive. The conformance statement has a list of supported query parameters, attributes and the levels.`,
    );
  }
  return attribute;
}

function parseFilter(attribute: WorkitemAttribute, name: string, value: string, fuzzy: boolean): WorkitemFilter {
  if (value === '') {
    throw new BadRequestError(
      `Invalid query: AttributeId '${shown(name)}' has empty string value that is not supported.`,
    );
  }
  if (attribute.match === 'dateTime') return parseRange(attribute, name, value);
  if (attribute.match === 'personName' && fuzzy) {
    const words = nameWords(normalizePersonName(value));
    if (words.length === 0) throw invalid(name, value, 'it has no name part to match');
    return { kind: 'fuzzy', attribute, words };
  }
  return { kind: 'exact', attribute, value: normalizeValue(attribute.match, value) };
}

/** `a-b`, `a-`, `-b` or a single value (as a range of itself); DT offsets may hold a `-`, so every split is tried. */
function parseRange(attribute: WorkitemAttribute, name: string, value: string): WorkitemFilter {
  const single = dateTimeKey(value, '0');
  if (single !== undefined) return { kind: 'range', attribute, from: single, to: single };
  for (let at = value.indexOf('-'); at !== -1; at = value.indexOf('-', at + 1)) {
    const left = value.slice(0, at);
    const right = value.slice(at + 1);
    const from = left === '' ? undefined : dateTimeKey(left, '0');
    const to = right === '' ? undefined : dateTimeKey(right, '9');
    if ((left === '' || from !== undefined) && (right === '' || to !== undefined) && (from ?? to) !== undefined) {
      if (from !== undefined && to !== undefined && from > to)
        throw invalid(name, value, 'the range ends before it starts');
      return { kind: 'range', attribute, from, to };
    }
  }
  throw invalid(name, value, "it must be a DT value or a range 'a-b', 'a-' or '-b' of them");
}

function parseIncludeFields(values: readonly string[]): 'all' | ReadonlySet<string> {
  const tags = new Set<string>();
  for (const field of values.flatMap((v) => v.split(','))) {
    const trimmed = field.trim();
    if (trimmed.toLowerCase() === 'all') return 'all';
    const tag = TAG.test(trimmed) ? trimmed.toUpperCase() : tagForKeyword(trimmed);
    if (tag === undefined || (!TAG.test(trimmed) && !lookupTag(tag))) {
      throw invalid('includefield', trimmed, 'it must be a top-level attribute keyword or tag, or all');
    }
    tags.add(tag);
  }
  return tags;
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw invalid(name, value, `it must be an integer from ${min} to ${max}`);
  return n;
}

function boolean(name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const lower = value.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw invalid(name, value, "it must be 'true' or 'false'");
  return lower === 'true';
}

function shown(text: string): string {
  return text.length > MAX_ECHOED ? `${text.slice(0, MAX_ECHOED)}…` : text;
}

function invalid(name: string, value: string, why: string): BadRequestError {
  return new BadRequestError(`The query parameter '${shown(name)}' has an invalid value '${shown(value)}': ${why}.`);
}
