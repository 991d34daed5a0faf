/**
 * The DICOM JSON model (PS3.18 F.2): what metadata blobs, QIDO results and STOW responses hold.
 * Keys are tags as eight uppercase hex digits.
 */
export type DicomJsonDataset = Record<string, DicomJsonElement>;

export interface DicomJsonElement {
  vr: string;
  Value?: DicomJsonValue[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

/** A Person Name value: up to three component groups (PS3.18 F.2.2). */
export interface PersonName {
  Alphabetic?: string;
  Ideographic?: string;
  Phonetic?: string;
}

/**
 * One value of a multi-valued element. Numbers for binary numeric VRs and (when they parse) IS/DS;
 * strings for text; PersonName for PN; a dataset per item for SQ; null for an empty value inside a
 * multi-valued element (F.2.5).
 */
export type DicomJsonValue = string | number | PersonName | DicomJsonDataset | null;

/**
 * The first value of `tag` as a string: text as is, numbers formatted, PN as its Alphabetic group.
 * Undefined when the element is absent, empty, or a sequence.
 */
export function getString(ds: DicomJsonDataset, tag: string): string | undefined {
  const first = ds[tag]?.Value?.[0];
  return first === undefined ? undefined : valueAsString(ds[tag]?.vr, first);
}

/** Every value of `tag` as strings (empty values as ''), or [] when the element is absent. */
export function getStrings(ds: DicomJsonDataset, tag: string): string[] {
  const element = ds[tag];
  return (element?.Value ?? []).map((v) => valueAsString(element?.vr, v) ?? '');
}

/** The first value of `tag` as a finite number (IS/DS strings are parsed), or undefined. */
export function getNumber(ds: DicomJsonDataset, tag: string): number | undefined {
  const first = ds[tag]?.Value?.[0];
  if (typeof first === 'number') return Number.isFinite(first) ? first : undefined;
  if (typeof first === 'string' && first.trim() !== '') {
    const n = Number(first);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** The items of a sequence element, or [] when absent. */
export function getItems(ds: DicomJsonDataset, tag: string): DicomJsonDataset[] {
  const element = ds[tag];
  if (element?.vr !== 'SQ') return [];
  return (element.Value ?? []).filter(isDataset);
}

function valueAsString(vr: string | undefined, value: DicomJsonValue): string | undefined {
  if (value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (vr === 'PN') return (value as PersonName).Alphabetic;
  return undefined;
}

function isDataset(value: DicomJsonValue): value is DicomJsonDataset {
  return typeof value === 'object' && value !== null;
}
