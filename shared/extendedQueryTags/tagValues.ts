/**
 * What an extended query tag indexes of one dataset, and how query values compare with it: the
 * first value only, top level only (no sequences), nothing for an absent or empty value. Index
 * writer, reindex and QIDO use these same functions, so a stored key and a query key meet.
 */
import type { DicomJsonDataset, DicomJsonValue } from '../dicom/dicomJson';
import { nameWords, normalizePersonName, normalizeString } from '../search/normalize';
import type { ExtendedQueryTag, SupportedVr } from './tagModel';
import { privateCreatorTagOf } from './tagPath';

/** How a VR is matched in QIDO (Azure: range for DA/DT/TM, fuzzy for PN, exact otherwise). */
export type TagMatch = 'text' | 'uid' | 'personName' | 'date' | 'dateTime' | 'time' | 'double' | 'long';

const MATCH_OF_VR: Readonly<Record<SupportedVr, TagMatch>> = {
  AE: 'text',
  AS: 'text',
  CS: 'text',
  LO: 'text',
  SH: 'text',
  UI: 'uid',
  PN: 'personName',
  DA: 'date',
  DT: 'dateTime',
  TM: 'time',
  DS: 'double',
  FL: 'double',
  FD: 'double',
  IS: 'long',
  SL: 'long',
  SS: 'long',
  UL: 'long',
  US: 'long',
};

export function matchOf(vr: SupportedVr): TagMatch {
  return MATCH_OF_VR[vr];
}

export function isRangeMatch(match: TagMatch): boolean {
  return match === 'date' || match === 'dateTime' || match === 'time';
}

/** PS3.5 6.2 maximum lengths of the text VRs (PN: per component group). */
const MAX_LENGTH: Partial<Record<SupportedVr, number>> = { AE: 16, AS: 4, CS: 16, LO: 64, SH: 16, UI: 64, PN: 64 };

/** One indexed value: its comparable key (exact or range order) and, for PN, its words. */
export interface IndexedValue {
  /** The first value as stored in the DICOM JSON (re-checked by queries). */
  readonly stored: string;
  readonly key: string;
  readonly words: readonly string[];
}

export type ValueOutcome =
  | { readonly kind: 'none' }
  | { readonly kind: 'value'; readonly value: IndexedValue }
  | { readonly kind: 'invalid'; readonly message: string };

const NONE: ValueOutcome = { kind: 'none' };

/** The tag's indexed value in `dataset`, nothing, or why the value cannot be indexed. */
export function extractTagValue(dataset: DicomJsonDataset, tag: ExtendedQueryTag): ValueOutcome {
  if (tag.privateCreator !== undefined) {
    const creator = dataset[privateCreatorTagOf(tag.path)]?.Value?.[0];
    if (typeof creator !== 'string' || creator.trim() !== tag.privateCreator.trim()) return NONE;
  }
  const element = dataset[tag.path];
  const first = element?.Value?.[0];
  if (element === undefined || first === undefined || first === null) return NONE;
  if (element.vr !== tag.vr && element.vr !== 'UN') {
    return invalid(
      `The extended query tag '${tag.path}' is expected to have VR '${tag.vr}' but has '${element.vr}' in file.`,
    );
  }
  const text = textOf(first);
  if (text === undefined || text.trim() === '') return NONE;
  const key = keyOf(tag.vr, text);
  if (typeof key !== 'string') {
    return invalid(
      `Dicom element '${tag.path}' with value '${text.slice(0, 64)}' failed validation for VR '${tag.vr}': ${key.why}`,
    );
  }
  const words = tag.vr === 'PN' ? nameWords(key) : [];
  return { kind: 'value', value: { stored: text, key, words } };
}

function invalid(message: string): ValueOutcome {
  return { kind: 'invalid', message };
}

function textOf(value: DicomJsonValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value !== null && typeof value === 'object' && 'Alphabetic' in value && typeof value.Alphabetic === 'string') {
    return value.Alphabetic;
  }
  return undefined;
}

/** The comparable key of a stored or queried value of the VR, or why it is not valid. */
export function keyOf(vr: SupportedVr, raw: string): string | { why: string } {
  const text = raw.replace(/^[ \0]+|[ \0]+$/g, '');
  const max = MAX_LENGTH[vr];
  if (max !== undefined && text.length > max) return { why: `Value length exceeds maximum length of ${max}.` };
  switch (MATCH_OF_VR[vr]) {
    case 'text':
      // eslint-disable-next-line no-control-regex
      return /[\\\x00-\x08\x0a-\x1a\x1c-\x1f]/.test(text)
        ? { why: 'Value contains invalid character.' }
        : normalizeString(text);
    case 'uid':
      return /^[0-9.]+$/.test(text) ? text : { why: 'Value contains invalid character.' };
    case 'personName':
      return normalizePersonName(text);
    case 'date':
      return dateKey(text) ?? { why: 'Value cannot be parsed as a valid date.' };
    case 'dateTime':
      return dateTimeKey(text) ?? { why: 'Value cannot be parsed as a valid date.' };
    case 'time':
      return timeKey(text) ?? { why: 'Value cannot be parsed as a valid time.' };
    case 'double':
      return numberKey(text, false) ?? { why: 'Value is not a valid number.' };
    case 'long':
      return numberKey(text, true) ?? { why: 'Value is not a valid integer.' };
  }
}

/** YYYYMMDD of a real calendar day (old YYYY.MM.DD too). */
export function dateKey(text: string): string | undefined {
  const digits = text.replace(/\./g, '');
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(digits);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const real = new Date(Date.UTC(year, month - 1, day));
  return month >= 1 && month <= 12 && real.getUTCDate() === day ? digits : undefined;
}

/** HHMMSS.FFFFFF, missing components as zeros (`1030` → `103000.000000`). */
export function timeKey(text: string): string | undefined {
  const m = /^(\d{2})(?::?(\d{2})(?::?(\d{2})(?:\.(\d{1,6}))?)?)?$/.exec(text);
  if (!m) return undefined;
  const [hh, mm = '00', ss = '00', frac = ''] = [m[1] ?? '', m[2], m[3], m[4]];
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60) return undefined;
  return `${hh}${mm}${ss}.${frac.padEnd(6, '0')}`;
}

/** YYYYMMDDHHMMSS.FFFFFF, the UTC offset ignored (as Azure indexes DT), missing parts as their minimum. */
export function dateTimeKey(text: string): string | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,6}))?(?:[+-]\d{4})?$/.exec(text);
  if (!m) return undefined;
  const defaults = ['', '01', '01', '00', '00', '00'];
  const [year = '', month = '', day = '', hh = '', mm = '', ss = ''] = m
    .slice(1, 7)
    .map((v, i) => v ?? defaults[i] ?? '');
  const frac = m[7] ?? '';
  if (dateKey(`${year}${month}${day}`) === undefined) return undefined;
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 60) return undefined;
  return `${year}${month}${day}${hh}${mm}${ss}.${frac.padEnd(6, '0')}`;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;

/** The canonical text of a number (`1.50` and `1.5` are one key). */
export function numberKey(text: string, integer: boolean): string | undefined {
  if (!(integer ? INTEGER : DECIMAL).test(text)) return undefined;
  if (integer) {
    const n = BigInt(text);
    return n >= -(2n ** 63n) && n < 2n ** 63n ? n.toString() : undefined;
  }
  const n = Number(text);
  return Number.isFinite(n) ? String(n) : undefined;
}

/** Fuzzy words of a queried name (same normalization as stored names). */
export function queryWords(text: string): string[] {
  return nameWords(normalizePersonName(text));
}
