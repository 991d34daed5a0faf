/**
 * Store-time attribute validation, as the Azure DICOM service's conformance statement describes:
 * the identifying attributes must be present and valid (else the instance is refused), and the
 * searchable attributes are checked against their VR (a failure refuses the instance in v1 and
 * is a warning in v2; the caller decides which).
 */
import type { ApiVersion } from '../http/apiVersion';
import type { DicomJsonDataset, DicomJsonValue, PersonName } from './dicomJson';
import { Tag, formatTag, type TagName } from './tags';
import { isValidUid } from './uid';

/** How a new instance's UIDs are checked, in the words of the failure messages. */
const UID_RULE = "a UID has 1 to 64 characters: letters, digits, '-' and single dots between components";

export interface AttributeFailure {
  /** Eight hex digits. */
  readonly tag: string;
  /** `DICOM100: (gggg,eeee) - …`, the form the Azure service puts in FailedAttributesSequence. */
  readonly message: string;
}

export interface ValidationResult {
  /** Problems with the identifying attributes: the instance must not be stored. */
  readonly requiredFailures: string[];
  /** Searchable attributes that do not validate against their VR, at most one per attribute. */
  readonly attributeFailures: AttributeFailure[];
}

const UID_TAGS: readonly TagName[] = ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'SOPClassUID'];

/** The searchable attributes of the conformance statement with their VRs (identifiers are checked above). */
const SEARCHABLE: ReadonlyArray<readonly [TagName, string]> = [
  ['PatientName', 'PN'],
  ['PatientBirthDate', 'DA'],
  ['AccessionNumber', 'SH'],
  ['ReferringPhysicianName', 'PN'],
  ['StudyDate', 'DA'],
  ['StudyDescription', 'LO'],
  ['Modality', 'CS'],
  ['PerformedProcedureStepStartDate', 'DA'],
  ['ManufacturerModelName', 'LO'],
];

export function validateInstance(dataset: DicomJsonDataset, apiVersion: ApiVersion): ValidationResult {
  const requiredFailures: string[] = [];
  for (const name of UID_TAGS) {
    const failure = checkUid(dataset, Tag[name], name);
    if (failure) requiredFailures.push(failure);
  }
  const patientId = checkPatientId(dataset, apiVersion);
  if (patientId) requiredFailures.push(patientId);

  const attributeFailures: AttributeFailure[] = [];
  for (const [name, vr] of SEARCHABLE) {
    const tag = Tag[name];
    const element = dataset[tag];
    if (!element) continue;
    if (element.vr !== vr) {
      attributeFailures.push({
        tag,
        message: `DICOM100: ${formatTag(tag)} - VR ${element.vr} is not the expected ${vr}`,
      });
      continue;
    }
    const problem = checkValues(vr, element.Value ?? []);
    if (problem) attributeFailures.push({ tag, message: contentMessage(tag, problem.value, vr, problem.why) });
  }
  return { requiredFailures, attributeFailures };
}

function checkUid(dataset: DicomJsonDataset, tag: string, name: string): string | undefined {
  const values = dataset[tag]?.Value ?? [];
  const first = values[0];
  if (typeof first !== 'string' || first === '')
    return `DICOM100: ${formatTag(tag)} - The required attribute ${name} is missing`;
  if (values.length > 1) return contentMessage(tag, joinValues(values), 'UI', 'a single UID is required');
  if (!isValidUid(first)) {
    return contentMessage(tag, first, 'UI', UID_RULE);
  }
  return undefined;
}

/** v1 needs a non-empty Patient ID; v2 only needs the attribute to be there (it may be empty). */
function checkPatientId(dataset: DicomJsonDataset, apiVersion: ApiVersion): string | undefined {
  const tag = Tag.PatientID;
  const element = dataset[tag];
  const values = element?.Value ?? [];
  const missing = `DICOM100: ${formatTag(tag)} - The required attribute PatientID is missing`;
  if (!element) return missing;
  if (values.length === 0 || values[0] === null || values[0] === '') return apiVersion === 'v1' ? missing : undefined;
  const reason = checkValues('LO', values);
  return reason ? contentMessage(tag, reason.value, 'LO', reason.why) : undefined;
}

interface Problem {
  readonly value: string;
  readonly why: string;
}

/** Each searchable attribute holds one value (VM 1); the first problem found is reported. */
function checkValues(vr: string, values: readonly DicomJsonValue[]): Problem | undefined {
  if (values.length > 1) return { value: joinValues(values), why: 'only one value is allowed' };
  const value = values[0];
  if (value === undefined || value === null) return undefined;
  if (vr === 'PN') return checkPersonName(value as PersonName);
  if (typeof value === 'object') return { value: '', why: 'value is not text' };
  const text = withoutNullPadding(String(value));
  const why = checkText(vr, text);
  return why ? { value: text, why } : undefined;
}

/** PS3.5 6.2: maximum lengths and character rules of the VRs the searchable attributes use. */
function checkText(vr: string, text: string): string | undefined {
  switch (vr) {
    case 'DA':
      return isValidDate(text) ? undefined : 'one of the date values does not match the pattern YYYYMMDD';
    case 'CS':
      if (text.length > 16) return 'value length exceeds the maximum length of 16';
      return /^[A-Z0-9 _]*$/.test(text) ? undefined : 'value contains invalid characters (allowed: A-Z, 0-9, space, _)';
    case 'SH':
      return checkLength(text, 16) ?? checkControls(text);
    default:
      return checkLength(text, 64) ?? checkControls(text);
  }
}

function checkPersonName(name: PersonName): Problem | undefined {
  for (const group of [name.Alphabetic, name.Ideographic, name.Phonetic]) {
    if (group === undefined) continue;
    const text = withoutNullPadding(group);
    const why =
      checkLength(text, 64) ??
      checkControls(text) ??
      (text.split('^').length > 5 ? 'value contains more than 5 name components' : undefined);
    if (why) return { value: text, why };
  }
  return undefined;
}

function checkLength(text: string, max: number): string | undefined {
  return text.length > max ? `value length exceeds the maximum length of ${max}` : undefined;
}

/** Control characters are not allowed in SH, LO and PN, except ESC for character set switching. */
function checkControls(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  return /[\x00-\x1a\x1c-\x1f\x7f]/.test(text) ? 'value contains control characters' : undefined;
}

/** YYYYMMDD naming a real calendar day. */
function isValidDate(text: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text.trimEnd());
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** The service indexes null-padded values as if unpadded and does not warn about them. */
function withoutNullPadding(text: string): string {
  return text.replace(/\0+$/, '');
}

function joinValues(values: readonly DicomJsonValue[]): string {
  return values
    .map((v) => (v === null ? '' : typeof v === 'object' ? ((v as PersonName).Alphabetic ?? '') : String(v)))
    .join('\\');
}

function contentMessage(tag: string, value: string, vr: string, why: string): string {
  return `DICOM100: ${formatTag(tag)} - Content "${value}" does not validate VR ${vr}: ${why}`;
}
