/**
 * Reads a UPS-RS request body: `application/dicom+json`, a JSON array whose first element is the
 * dataset (the Azure service's shape), at most MAX_WORKITEM_BODY_BYTES, every element checked
 * against the DICOM JSON model (PS3.18 F.2) before any rule looks at it.
 */
import type { HttpRequest } from '@azure/functions';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { DicomJsonDataset, DicomJsonElement } from '../dicom/dicomJson';
import { KNOWN_VRS } from '../dicom/vr';
import { PayloadTooLargeError, UnsupportedMediaTypeError, WorkitemError } from '../errors';
import { parseMediaType } from '../http/mediaType';

export const DICOM_JSON = 'application/dicom+json';
/** Largest request body (bytes): UPS datasets are a few KB; the stored dataset has its own cap. */
export const MAX_WORKITEM_BODY_BYTES = 256 * 1024;
/** Sequences nested deeper than this are refused (the stored and searched paths use two levels). */
export const MAX_SEQUENCE_DEPTH = 8;
/** Values of one element, and items of one sequence. */
export const MAX_VALUES_PER_ELEMENT = 1000;

const TAG_KEY = /^[0-9A-F]{8}$/;
const ELEMENT_KEYS: ReadonlySet<string> = new Set(['vr', 'Value', 'InlineBinary', 'BulkDataURI']);

export function requireDicomJsonContent(request: HttpRequest): void {
  const type = parseMediaType(request.headers.get('content-type'));
  if (type?.essence !== DICOM_JSON) {
    throw new UnsupportedMediaTypeError(`The request body must be ${DICOM_JSON}.`);
  }
}

/** The dataset of the request (element 0 of the array); 400 as a JSON string when it is not one. */
export async function readWorkitemDataset(request: HttpRequest): Promise<DicomJsonDataset> {
  requireDicomJsonContent(request);
  const text = await readBoundedText(request.body as WebReadableStream<Uint8Array> | null);
  if (text.trim() === '') throw new WorkitemError(400, 'The request body is missing.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WorkitemError(400, 'The syntax of the request body is invalid.');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new WorkitemError(400, 'The request body must be a JSON array holding one DICOM JSON dataset.');
  }
  return checkDataset(parsed[0], 0, '');
}

async function readBoundedText(body: WebReadableStream<Uint8Array> | null): Promise<string> {
  if (!body) return '';
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > MAX_WORKITEM_BODY_BYTES) {
      throw new PayloadTooLargeError(`A workitem request body may hold at most ${MAX_WORKITEM_BODY_BYTES} bytes.`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function invalid(path: string, rule: string): WorkitemError {
  return new WorkitemError(400, `The DICOM JSON element ${path || '(dataset)'} is invalid: ${rule}.`);
}

/** The dataset, checked, with its tags in upper case (fo-dicom, and so Azure, reads `0040e020` too). */
function checkDataset(value: unknown, depth: number, path: string): DicomJsonDataset {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(path, 'a dataset must be a JSON object');
  }
  if (depth > MAX_SEQUENCE_DEPTH) throw invalid(path, `sequences may be nested at most ${MAX_SEQUENCE_DEPTH} deep`);
  const dataset: DicomJsonDataset = {};
  for (const [key, element] of Object.entries(value)) {
    const tag = key.toUpperCase();
    const at = path ? `${path}.${tag}` : tag;
    if (!TAG_KEY.test(tag)) throw invalid(at, 'a key must be a tag of eight hexadecimal digits');
    if (tag in dataset) throw invalid(at, 'the tag is given twice');
    dataset[tag] = checkElement(element, depth, at);
  }
  return dataset;
}

function checkElement(element: unknown, depth: number, path: string): DicomJsonElement {
  if (typeof element !== 'object' || element === null || Array.isArray(element)) {
    throw invalid(path, 'an element must be a JSON object with a "vr"');
  }
  const { vr, Value: values } = element as { vr?: unknown; Value?: unknown };
  if (typeof vr !== 'string' || !KNOWN_VRS.has(vr)) throw invalid(path, 'its "vr" is not a DICOM VR');
  for (const [key, member] of Object.entries(element)) {
    // Anything else would be stored and serialized unchecked (a deep array there overflows the stack).
    if (!ELEMENT_KEYS.has(key)) throw invalid(path, `an element holds only ${[...ELEMENT_KEYS].join(', ')}`);
    if ((key === 'InlineBinary' || key === 'BulkDataURI') && typeof member !== 'string') {
      throw invalid(path, `"${key}" must be a string`);
    }
  }
  const checked = element as DicomJsonElement;
  if (values === undefined) return checked;
  if (!Array.isArray(values)) throw invalid(path, '"Value" must be an array');
  if (values.length > MAX_VALUES_PER_ELEMENT) throw invalid(path, `at most ${MAX_VALUES_PER_ELEMENT} values`);
  if (vr === 'SQ') return { ...checked, Value: values.map((item) => checkDataset(item, depth + 1, path)) };
  for (const item of values) {
    if (vr === 'PN') checkPersonName(item, path);
    else if (item !== null && typeof item !== 'string' && typeof item !== 'number') {
      throw invalid(path, 'a value must be a string, a number or null');
    }
  }
  return checked;
}

function checkPersonName(value: unknown, path: string): void {
  if (value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(path, 'a PN value must be an object');
  for (const [group, text] of Object.entries(value)) {
    if (!['Alphabetic', 'Ideographic', 'Phonetic'].includes(group) || typeof text !== 'string') {
      throw invalid(path, 'a PN value holds only Alphabetic, Ideographic and Phonetic strings');
    }
  }
}
