/**
 * Turns one element's value bytes into its DICOM JSON form (PS3.18 F.2): strings split on
 * backslash and trimmed, IS/DS and binary numbers as numbers, PN as component groups.
 */
import type { Charset } from './charset';
import type { DicomJsonElement, DicomJsonValue, PersonName } from './dicomJson';
import { formatTag } from './tags';
import { CHARSET_VRS, NUMERIC_VR_SIZE, SINGLE_VALUE_VRS } from './vr';

/** Decodes a non-sequence, non-bulk value. Problems that do not stop parsing go to `warnings`. */
export function decodeValue(
  tag: string,
  vr: string,
  bytes: Buffer,
  littleEndian: boolean,
  charset: Charset,
  warnings: string[],
): DicomJsonElement {
  if (bytes.length === 0) return { vr };
  const size = NUMERIC_VR_SIZE[vr];
  const values =
    size === undefined
      ? decodeStrings(tag, vr, bytes, charset, warnings)
      : decodeNumbers(tag, vr, size, bytes, littleEndian, warnings);
  return values.length === 0 ? { vr } : { vr, Value: values };
}

function decodeStrings(tag: string, vr: string, bytes: Buffer, charset: Charset, warnings: string[]): DicomJsonValue[] {
  // Decode before splitting: in multi-byte sets (GBK, JIS) a 0x5C byte can be half of a character.
  const text = CHARSET_VRS.has(vr) ? charset.decode(bytes) : bytes.toString('latin1');
  if (SINGLE_VALUE_VRS.has(vr)) {
    const value = trimEnd(text, vr);
    return value === '' ? [] : [value];
  }
  const parts = text.split('\\').map((part) => trimEnd(part, vr));
  if (parts.length === 1 && parts[0] === '') return [];
  switch (vr) {
    case 'PN':
      return parts.map(personName);
    case 'IS':
      return parts.map((p) => parseNumber(p, INTEGER_STRING, tag, vr, warnings));
    case 'DS':
      return parts.map((p) => parseNumber(p, DECIMAL_STRING, tag, vr, warnings));
    default:
      return parts.map((p) => (p === '' ? null : p));
  }
}

/** Trailing spaces are padding (PS3.5 6.2); UIDs are padded with NUL instead. */
function trimEnd(value: string, vr: string): string {
  return vr === 'UI' ? value.replace(/[\0 ]+$/, '') : value.replace(/ +$/, '');
}

function personName(value: string): PersonName | null {
  if (value === '') return null;
  const [alphabetic = '', ideographic = '', phonetic = ''] = value.split('=');
  const name: PersonName = {};
  if (alphabetic.trimEnd() !== '') name.Alphabetic = alphabetic.trimEnd();
  if (ideographic.trimEnd() !== '') name.Ideographic = ideographic.trimEnd();
  if (phonetic.trimEnd() !== '') name.Phonetic = phonetic.trimEnd();
  return Object.keys(name).length === 0 ? null : name;
}

const INTEGER_STRING = /^[+-]?\d+$/;
const DECIMAL_STRING = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** IS/DS as a number; a value that does not parse keeps its text so nothing is lost, with a warning. */
function parseNumber(
  value: string,
  pattern: RegExp,
  tag: string,
  vr: string,
  warnings: string[],
): number | string | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if (pattern.test(trimmed)) {
    const n = Number(trimmed);
    if (Number.isFinite(n)) return n;
  }
  warnings.push(`${formatTag(tag)} value "${truncate(trimmed)}" is not a valid ${vr}; kept as text`);
  return trimmed;
}

function decodeNumbers(
  tag: string,
  vr: string,
  size: number,
  bytes: Buffer,
  le: boolean,
  warnings: string[],
): DicomJsonValue[] {
  const count = Math.floor(bytes.length / size);
  if (count * size !== bytes.length) {
    warnings.push(
      `${formatTag(tag)} ${vr} value length ${bytes.length} is not a multiple of ${size}; extra bytes ignored`,
    );
  }
  const out: DicomJsonValue[] = new Array<DicomJsonValue>(count);
  for (let i = 0; i < count; i += 1) out[i] = readNumber(vr, bytes, i * size, le);
  return out;
}

function readNumber(vr: string, b: Buffer, at: number, le: boolean): DicomJsonValue {
  switch (vr) {
    case 'US':
      return le ? b.readUInt16LE(at) : b.readUInt16BE(at);
    case 'SS':
      return le ? b.readInt16LE(at) : b.readInt16BE(at);
    case 'UL':
      return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
    case 'SL':
      return le ? b.readInt32LE(at) : b.readInt32BE(at);
    case 'FL':
      return finite(le ? b.readFloatLE(at) : b.readFloatBE(at));
    case 'FD':
      return finite(le ? b.readDoubleLE(at) : b.readDoubleBE(at));
    case 'SV':
      return bigint(le ? b.readBigInt64LE(at) : b.readBigInt64BE(at));
    case 'UV':
      return bigint(le ? b.readBigUInt64LE(at) : b.readBigUInt64BE(at));
    default: {
      // AT: group then element, each in the dataset's byte order.
      const group = le ? b.readUInt16LE(at) : b.readUInt16BE(at);
      const element = le ? b.readUInt16LE(at + 2) : b.readUInt16BE(at + 2);
      return hex4(group) + hex4(element);
    }
  }
}

/** JSON has no NaN or Infinity. */
function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** 64-bit values beyond 2^53 would silently lose digits as numbers; PS3.18 F.2.3 allows strings. */
function bigint(n: bigint): number | string {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

function truncate(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
