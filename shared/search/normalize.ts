/**
 * Canonical forms of attribute values for QIDO-RS comparison and index keys. The matcher and the
 * index writer must use the same functions, or an indexed row and a query would not meet.
 */
import type { MatchType } from './searchableAttributes';

/** Spaces and NUL padding at either end (DICOM pads text to even length with either). */
const PADDING = /^[ \0]+|[ \0]+$/g;
const COMBINING_MARKS = /\p{M}/gu;
const WHITESPACE_RUN = /\s+/gu;
/** Spaces next to a component (`^`) or group (`=`) separator carry no meaning. */
const SPACE_AROUND_SEPARATOR = / ?([\^=]) ?/g;
const TRAILING_SEPARATORS = /[\^=]+$/;
const NAME_WORD_SEPARATORS = /[\^=\s]+/u;

/**
 * Person names match case- and accent-insensitively (as the Azure service does): `Müller^Jürgen`
 * equals `MULLER^JURGEN`, and empty trailing components do not count (`Doe^John^^` = `DOE^JOHN`).
 */
export function normalizePersonName(value: string): string {
  // Uppercase before decomposing: some capitals only exist as base letter + combining mark.
  return value
    .replace(PADDING, '')
    .toUpperCase()
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .replace(WHITESPACE_RUN, ' ')
    .trim()
    .replace(SPACE_AROUND_SEPARATOR, '$1')
    .replace(TRAILING_SEPARATORS, '');
}

/**
 * Other text matches case-insensitively but accent-sensitively. NFC makes a precomposed `ü` and
 * `u` + combining diaeresis the same text without making `ü` equal `u`.
 */
export function normalizeString(value: string): string {
  return value.replace(PADDING, '').normalize('NFC').toUpperCase();
}

export function normalizeValue(match: MatchType, value: string): string {
  switch (match) {
    case 'personName':
      return normalizePersonName(value);
    case 'string':
    case 'code':
      return normalizeString(value);
    case 'date':
      // Old ACR-NEMA dates are written YYYY.MM.DD.
      return value.replace(/\./g, '').replace(PADDING, '');
    case 'uid':
      return value.replace(PADDING, '');
  }
}

/** The parts of a normalized person name that fuzzy matching compares word prefixes against. */
export function nameWords(normalizedName: string): string[] {
  const words = normalizedName.split(NAME_WORD_SEPARATORS).filter((w) => w !== '');
  return [...new Set(words)];
}

/**
 * Characters Azure Table Storage refuses in PartitionKey/RowKey (`/`, `\`, `#`, `?`, control
 * characters), plus `%` so the escape stays reversible and `|`, which index keys use as a separator. Matched per UTF-16 code unit (no `u` flag),
 * which keeps the escape prefix-preserving for any split of the input.
 */
// eslint-disable-next-line no-control-regex
const TABLE_KEY_UNSAFE = /[%/\\#?|\x00-\x1f\x7f-\x9f]/g;
const HEX_DIGITS = 2;

/** Escapes `value` for a table key; `escapeTableKey(a + b) === escapeTableKey(a) + escapeTableKey(b)`. */
export function escapeTableKey(value: string): string {
  return value.replace(
    TABLE_KEY_UNSAFE,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(HEX_DIGITS, '0')}`,
  );
}

/**
 * The first `maxUnits` UTF-16 units of a value, one fewer when the cut would split a surrogate
 * pair: a lone surrogate in a table key is refused by storage, which once left a study
 * unsearchable and the sweeper failing on it (issue 13).
 */
export function cutAtCodePoint(value: string, maxUnits: number): string {
  if (value.length <= maxUnits) return value;
  return isHighSurrogate(value.charCodeAt(maxUnits - 1)) ? value.slice(0, maxUnits - 1) : value.slice(0, maxUnits);
}

/** Whether `index` is the second half of a surrogate pair (not a place a suffix may start). */
export function insideSurrogatePair(value: string, index: number): boolean {
  return index > 0 && isLowSurrogate(value.charCodeAt(index)) && isHighSurrogate(value.charCodeAt(index - 1));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
