/**
 * Reads a bulk update's `changeDataset` (DICOM JSON): only the updatable attributes, values valid
 * for their VR. Failures are collected per attribute, in Azure's `DICOM100: (gggg,eeee) - …` form,
 * for the 400 whose body is a FailedAttributesSequence.
 */
import type { DicomJsonValue, PersonName } from '../dicom/dicomJson';
import { formatTag } from '../dicom/tags';
import { SINGLE_VALUE_VRS } from '../dicom/vr';
import { UPDATABLE_TAGS } from './updateTags';

/** One attribute to set: its value as DICOM text (values joined by `\`), or null to empty it. */
export interface AttributeChange {
  /** Eight uppercase hex digits. */
  readonly tag: string;
  readonly vr: string;
  readonly text: string | null;
}

export interface ParsedChanges {
  /** In tag order. */
  readonly changes: AttributeChange[];
  readonly failures: { readonly tag: string; readonly message: string }[];
}

const TAG_PATTERN = /^[0-9A-Fa-f]{8}$/;
/** Control characters LT does not allow (it allows TAB, LF, FF, CR and ESC). */
// eslint-disable-next-line no-control-regex
const TEXT_CONTROLS = /[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]/;

export function parseChangeDataset(value: unknown): ParsedChanges {
  const changes: AttributeChange[] = [];
  const failures: ParsedChanges['failures'] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { changes, failures: [{ tag: '00000000', message: 'The changeDataset must be a DICOM JSON object.' }] };
  }
  for (const [key, element] of Object.entries(value as Record<string, unknown>)) {
    if (!TAG_PATTERN.test(key)) {
      failures.push({ tag: '00000000', message: `DICOM100: '${key.slice(0, 20)}' is not a DICOM tag.` });
      continue;
    }
    const tag = key.toUpperCase();
    const vr = UPDATABLE_TAGS.get(tag);
    if (vr === undefined) {
      failures.push({ tag, message: `DICOM100: ${formatTag(tag)} - Updating the tag is not supported` });
      continue;
    }
    const problem = readElement(vr, element);
    if (typeof problem === 'string') failures.push({ tag, message: `DICOM100: ${formatTag(tag)} - ${problem}` });
    else changes.push({ tag, vr, text: problem.text });
  }
  changes.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return { changes, failures };
}

/** The element's text, or why it is refused. */
function readElement(vr: string, element: unknown): { text: string | null } | string {
  if (element === null || typeof element !== 'object' || Array.isArray(element)) return 'The element is not an object.';
  const { vr: givenVr, Value: values } = element as { vr?: unknown; Value?: unknown };
  if (givenVr !== vr) return `VR ${typeof givenVr === 'string' ? givenVr.slice(0, 4) : ''} is not the expected ${vr}`;
  if ('InlineBinary' in element || 'BulkDataURI' in element) return 'Binary values are not supported.';
  if (values === undefined || (Array.isArray(values) && values.length === 0)) return { text: null };
  if (!Array.isArray(values)) return 'Value is not an array.';
  if (values.length > 1 && SINGLE_VALUE_VRS.has(vr)) return `VR ${vr} allows one value only.`;
  const texts: string[] = [];
  for (const item of values as DicomJsonValue[]) {
    const text = valueText(vr, item);
    if (text === undefined) return `Content does not validate VR ${vr}: a value is not of the VR's JSON type`;
    const why = checkText(vr, text);
    if (why) return `Content "${text.slice(0, 80)}" does not validate VR ${vr}: ${why}`;
    texts.push(text);
  }
  return { text: texts.join('\\') };
}

function valueText(vr: string, value: DicomJsonValue): string | undefined {
  if (value === null) return '';
  if (vr === 'PN') {
    if (typeof value !== 'object' || Array.isArray(value)) return undefined;
    const name = value as PersonName;
    const groups = [name.Alphabetic ?? '', name.Ideographic ?? '', name.Phonetic ?? ''];
    if (groups.some((g) => typeof g !== 'string')) return undefined;
    return groups.join('=').replace(/=+$/, '');
  }
  if (typeof value === 'number') return vr === 'DS' && Number.isFinite(value) ? String(value) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** PS3.5 6.2: lengths and character rules of the updatable attributes' VRs. */
function checkText(vr: string, text: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  const controls = /[\x00-\x09\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/.test(text)
    ? 'value contains control characters'
    : undefined;
  const backslash = text.includes('\\') ? 'value contains a backslash' : undefined;
  switch (vr) {
    case 'PN':
      if (text.split('=').some((g) => g.length > 64)) return 'value length exceeds the maximum length of 64';
      if (text.split('=').some((g) => g.split('^').length > 5)) return 'value contains more than 5 name components';
      return controls ?? backslash ?? (text.split('=').length > 3 ? 'more than 3 component groups' : undefined);
    case 'LO':
      return maxLength(text, 64) ?? controls ?? backslash;
    case 'SH':
      return maxLength(text, 16) ?? controls ?? backslash;
    case 'LT':
      return maxLength(text, 10240) ?? (TEXT_CONTROLS.test(text) ? 'value contains control characters' : undefined);
    case 'CS':
      return maxLength(text, 16) ?? (/^[A-Z0-9 _]*$/.test(text) ? undefined : 'value contains invalid characters');
    case 'DA':
      return text === '' || isDate(text) ? undefined : 'value does not match the pattern YYYYMMDD';
    case 'TM':
      return text === '' || /^([01]\d|2[0-3])([0-5]\d([0-5]\d(\.\d{1,6})?)?)?$/.test(text)
        ? undefined
        : 'value does not match the pattern HHMMSS.FFFFFF';
    case 'AS':
      return text === '' || /^\d{3}[DWMY]$/.test(text) ? undefined : 'value does not match the pattern nnnD|W|M|Y';
    case 'DS':
      return (
        maxLength(text, 16) ??
        (text === '' || /^ *[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)? *$/.test(text)
          ? undefined
          : 'value is not a decimal string')
      );
    default:
      return maxLength(text, 64) ?? controls;
  }
}

function maxLength(text: string, max: number): string | undefined {
  return text.length > max ? `value length exceeds the maximum length of ${max}` : undefined;
}

function isDate(text: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day >= 1 && day <= days;
}
