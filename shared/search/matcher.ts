/**
 * Whether a stored dataset satisfies a QIDO-RS filter (PS3.4 C.2.2.2). The index narrows the
 * candidates; this decides, so it must agree with the normalization the index keys use.
 */
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { nameWords, normalizePersonName, normalizeValue } from './normalize';
import type { Filter } from './searchQuery';

const ANY_RUN = '*';
const ANY_ONE = '?';
const ONLY_STARS = /^\*+$/;
const EIGHT_DIGITS = /^\d{8}$/;
const PN_GROUPS = ['Alphabetic', 'Ideographic', 'Phonetic'] as const;

/** Every comparable string of `tag`: text as is, numbers formatted, each PN component group. */
export function attributeValues(dataset: DicomJsonDataset, tag: string): string[] {
  const values: string[] = [];
  for (const value of dataset[tag]?.Value ?? []) {
    if (typeof value === 'string') values.push(value);
    else if (typeof value === 'number') values.push(String(value));
    else if (value !== null) {
      // A PN object; sequence items have no such keys and contribute nothing.
      for (const group of PN_GROUPS) {
        const text: unknown = value[group];
        if (typeof text === 'string') values.push(text);
      }
    }
  }
  return values;
}

/** True when any of `values` satisfies the filter. */
export function matchesFilter(filter: Filter, values: readonly string[]): boolean {
  const match = filter.attribute.match;
  switch (filter.kind) {
    case 'exact': {
      const wanted = normalizeValue(match, filter.value);
      return values.some((v) => normalizeValue(match, v) === wanted);
    }
    case 'uidList':
      return values.some((v) => filter.values.includes(normalizeValue('uid', v)));
    case 'dateRange': {
      const { from, to } = filter;
      return values.some((value) => {
        const v = normalizeValue('date', value);
        return EIGHT_DIGITS.test(v) && (from === undefined || from <= v) && (to === undefined || v <= to);
      });
    }
    case 'wildcard': {
      const pattern = normalizeValue(match, filter.pattern);
      // Universal matching (C.2.2.2.3): also true when the attribute is absent or empty.
      if (ONLY_STARS.test(pattern)) return true;
      const symbols = [...pattern];
      return values.some((v) => globMatch(symbols, [...normalizeValue(match, v)].slice(0, MAX_MATCHED_VALUE_CHARS)));
    }
    case 'fuzzyName':
      return values.some((value) => {
        const parts = nameWords(normalizePersonName(value));
        return filter.words.every((word) => parts.some((part) => part.startsWith(word)));
      });
  }
}

/**
 * Stored values are compared on this many code points at most: far over every searchable VR's
 * length, and it bounds a match to pattern (≤ 64) × 1024 steps per value.
 */
export const MAX_MATCHED_VALUE_CHARS = 1024;

/**
 * Anchored `*`/`?` matching over code points. Iterative with one backtrack point (the last `*`)
 * instead of a RegExp: at worst pattern × text steps however many stars a client sends, and no escaping to get wrong.
 */
function globMatch(pattern: readonly string[], text: readonly string[]): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === ANY_RUN) {
      starP = p++;
      starT = t;
    } else if (c !== undefined && (c === ANY_ONE || c === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      // Let the last `*` swallow one more character and retry from there.
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === ANY_RUN) p++;
  return p === pattern.length;
}

/**
 * The literal text of a normalized wildcard pattern the index planner can use: what comes before
 * the first wildcard (a key prefix), and the longest literal run (first on ties) for contains-scans.
 */
export function literalRuns(pattern: string): { prefix: string; longest: string } {
  const runs = pattern.split(/[*?]/);
  const prefix = runs[0] ?? '';
  const longest = runs.reduce((best, run) => (run.length > best.length ? run : best), '');
  return { prefix, longest };
}
