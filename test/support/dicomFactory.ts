/**
 * Builds small, valid DICOM Part 10 files in code (Explicit VR Little Endian), so tests and
 * benchmarks describe the one attribute they care about instead of shipping a binary per case.
 */
import { randomBytes } from 'node:crypto';

export interface ElementSpec {
  /** Eight hex digits, e.g. `00100010`. */
  readonly tag: string;
  readonly vr: string;
  /** Strings are padded to even length; Buffers are written as they are (padded with 0). */
  readonly value: string | Buffer;
}

export interface InstanceSpec {
  readonly studyInstanceUid?: string;
  readonly seriesInstanceUid?: string;
  readonly sopInstanceUid?: string;
  readonly sopClassUid?: string;
  readonly patientId?: string | null;
  readonly patientName?: string;
  readonly studyDate?: string;
  readonly modality?: string;
  /** Extra or overriding elements (a `null`-valued patientId above leaves PatientID out). */
  readonly elements?: readonly ElementSpec[];
  /** About this many bytes of 16-bit OW pixel data (rounded up to rows of 512 columns); 0 or absent for none. */
  readonly pixelDataBytes?: number;
}

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT']);

/** A random UID under the 2.25 (UUID-derived) root. */
export function newUid(): string {
  return `2.25.${BigInt('0x' + randomBytes(16).toString('hex')).toString()}`;
}

export function makeDicom(spec: InstanceSpec = {}): Buffer {
  const sopClassUid = spec.sopClassUid ?? SECONDARY_CAPTURE;
  const sopInstanceUid = spec.sopInstanceUid ?? newUid();
  const elements: ElementSpec[] = [
    { tag: '00080016', vr: 'UI', value: sopClassUid },
    { tag: '00080018', vr: 'UI', value: sopInstanceUid },
    { tag: '00080020', vr: 'DA', value: spec.studyDate ?? '20240101' },
    { tag: '00080060', vr: 'CS', value: spec.modality ?? 'OT' },
    { tag: '00100010', vr: 'PN', value: spec.patientName ?? 'Test^Patient' },
    { tag: '0020000D', vr: 'UI', value: spec.studyInstanceUid ?? newUid() },
    { tag: '0020000E', vr: 'UI', value: spec.seriesInstanceUid ?? newUid() },
  ];
  if (spec.patientId !== null) elements.push({ tag: '00100020', vr: 'LO', value: spec.patientId ?? 'PID-1' });
  const byTag = new Map(elements.map((e) => [e.tag.toUpperCase(), e]));
  for (const extra of spec.elements ?? []) byTag.set(extra.tag.toUpperCase(), extra);
  // 16-bit monochrome, 512 columns: the pixel data is rounded up to whole rows.
  const rows = Math.ceil((spec.pixelDataBytes ?? 0) / 1024);
  const pixelBytes = rows * 1024;
  if (pixelBytes > 0) {
    byTag.set('00280010', { tag: '00280010', vr: 'US', value: u16(rows) });
    byTag.set('00280011', { tag: '00280011', vr: 'US', value: u16(512) });
    byTag.set('00280002', { tag: '00280002', vr: 'US', value: u16(1) });
    byTag.set('00280100', { tag: '00280100', vr: 'US', value: u16(16) });
    byTag.set('00280101', { tag: '00280101', vr: 'US', value: u16(16) });
    byTag.set('00280102', { tag: '00280102', vr: 'US', value: u16(15) });
    byTag.set('00280103', { tag: '00280103', vr: 'US', value: u16(0) });
    byTag.set('00280004', { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' });
  }
  const sorted = [...byTag.values()].sort((a, b) => (a.tag.toUpperCase() < b.tag.toUpperCase() ? -1 : 1));
  const body = Buffer.concat(sorted.map(encodeElement));
  const pixel = pixelBytes > 0 ? pixelDataElement(pixelBytes) : Buffer.alloc(0);
  return Buffer.concat([fileMeta(sopClassUid, sopInstanceUid), body, pixel]);
}

function fileMeta(sopClassUid: string, sopInstanceUid: string): Buffer {
  const metaElements = Buffer.concat([
    encodeElement({ tag: '00020001', vr: 'OB', value: Buffer.from([0, 1]) }),
    encodeElement({ tag: '00020002', vr: 'UI', value: sopClassUid }),
    encodeElement({ tag: '00020003', vr: 'UI', value: sopInstanceUid }),
    encodeElement({ tag: '00020010', vr: 'UI', value: EXPLICIT_VR_LITTLE_ENDIAN }),
    encodeElement({ tag: '00020012', vr: 'UI', value: '1.2.3.4.5.6.7' }),
  ]);
  const groupLength = encodeElement({ tag: '00020000', vr: 'UL', value: u32(metaElements.length) });
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, metaElements]);
}

export function encodeElement(element: ElementSpec): Buffer {
  let value = typeof element.value === 'string' ? Buffer.from(element.value, 'utf8') : element.value;
  if (value.length % 2 === 1) {
    const pad = element.vr === 'UI' || typeof element.value !== 'string' ? 0 : 0x20;
    value = Buffer.concat([value, Buffer.from([pad])]);
  }
  const group = parseInt(element.tag.slice(0, 4), 16);
  const elem = parseInt(element.tag.slice(4, 8), 16);
  const long = LONG_VRS.has(element.vr);
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(elem, 2);
  header.write(element.vr, 4, 'latin1');
  if (long) header.writeUInt32LE(value.length, 8);
  else header.writeUInt16LE(value.length, 6);
  return Buffer.concat([header, value]);
}

function pixelDataElement(bytes: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16LE(0x7fe0, 0);
  header.writeUInt16LE(0x0010, 2);
  header.write('OW', 4, 'latin1');
  header.writeUInt32LE(bytes, 8);
  const pixels = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < bytes; i += 1) pixels[i] = i & 0xff;
  return Buffer.concat([header, pixels]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}
