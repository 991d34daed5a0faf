/**
 * Hostile inputs shared by the fuzz tests (test/fuzz/) and the hostile-input benchmarks
 * (bench/fuzzStorm.ts, bench/hostileCosts.ts): fast-check arbitraries of damaged Part 10 files and
 * damaged multipart bodies, and builders of the attack classes of issue 13.
 */
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { encodeElement, makeDicom, newUid, type ElementSpec, type InstanceSpec } from './dicomFactory';

/** A valid file with bytes overwritten, then cut short and extended with noise. */
export function mutatedFile(
  base: Buffer,
  options: { maxFlips?: number; maxNoise?: number } = {},
): fc.Arbitrary<Buffer> {
  return fc
    .record({
      flips: fc.array(fc.record({ at: fc.nat(base.length - 1), byte: fc.integer({ min: 0, max: 255 }) }), {
        maxLength: options.maxFlips ?? 24,
      }),
      cut: fc.nat(base.length),
      noise: fc.uint8Array({ maxLength: options.maxNoise ?? 256 }),
    })
    .map(({ flips, cut, noise }) => {
      const file = Buffer.from(base);
      for (const { at, byte } of flips) file[at] = byte;
      return Buffer.concat([file.subarray(0, cut), Buffer.from(noise)]);
    });
}

/** Multipart framing around random parts (or the given part bodies), with random damage. */
export function damagedMultipart(boundary: string, partBody?: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  const body = partBody ?? fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
  return fc
    .record({
      parts: fc.array(fc.record({ headers: fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }), body }), {
        maxLength: 4,
      }),
      close: fc.boolean(),
      flips: fc.array(fc.record({ at: fc.nat(2000), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: 8 }),
    })
    .map(({ parts, close, flips }) => {
      const pieces: Buffer[] = [];
      for (const part of parts) {
        pieces.push(latin1(`--${boundary}\r\n${part.headers.map((h) => `${h}\r\n`).join('')}\r\n`));
        pieces.push(part.body, latin1('\r\n'));
      }
      if (close) pieces.push(latin1(`--${boundary}--`));
      const out = Buffer.concat(pieces);
      for (const { at, byte } of flips) if (at < out.length) out[at] = byte;
      return out;
    });
}

function latin1(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

/** `count` person-name values `A0\A1\…`, split over private PN elements of at most 64 KiB each. */
export function personNameElements(count: number, valueText: (i: number) => string = () => 'A'): ElementSpec[] {
  const elements: ElementSpec[] = [{ tag: '00090010', vr: 'LO', value: 'HOSTILE' }];
  let values: string[] = [];
  let bytes = 0;
  let written = 0;
  const flush = (): void => {
    // Private block 0x10 of the odd groups 0009, 000B, …: 256 elements per group.
    const group = (0x0009 + 2 * Math.floor(written / 256)).toString(16).padStart(4, '0');
    if (written % 256 === 0 && written > 0) elements.push({ tag: `${group}0010`, vr: 'LO', value: 'HOSTILE' });
    const element = (0x1000 + (written % 256)).toString(16).padStart(4, '0');
    elements.push({ tag: `${group}${element}`.toUpperCase(), vr: 'PN', value: values.join('\\') });
    written += 1;
    values = [];
    bytes = 0;
  };
  for (let i = 0; i < count; i += 1) {
    const text = valueText(i);
    const size = Buffer.byteLength(text) + 1;
    if (bytes + size > 65_000) flush();
    values.push(text);
    bytes += size;
  }
  if (values.length > 0) flush();
  return elements;
}

/** Explicit VR Little Endian file meta for `transferSyntax` (the group length computed). */
export function fileMeta(transferSyntax: string, sopInstanceUid: string): Buffer {
  const elements = Buffer.concat([
    encodeElement({ tag: '00020001', vr: 'OB', value: Buffer.from([0, 1]) }),
    encodeElement({ tag: '00020002', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' }),
    encodeElement({ tag: '00020003', vr: 'UI', value: sopInstanceUid }),
    encodeElement({ tag: '00020010', vr: 'UI', value: transferSyntax }),
    encodeElement({ tag: '00020012', vr: 'UI', value: '1.2.3.4.5.6.7' }),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(elements.length);
  const groupLength = encodeElement({ tag: '00020000', vr: 'UL', value: length });
  return Buffer.concat([Buffer.alloc(128), latin1('DICM'), groupLength, elements]);
}

/** The dataset bytes of a makeDicom file (what follows its File Meta group). */
export function datasetOf(file: Buffer): Buffer {
  return file.subarray(144 + file.readUInt32LE(140));
}

export const DEFLATED_EXPLICIT_LE = '1.2.840.10008.1.2.1.99';

/** A Deflated Explicit VR LE file whose dataset is `dataset` (Explicit VR LE bytes). */
export function deflatedFile(dataset: Buffer, sopInstanceUid: string): Buffer {
  return Buffer.concat([fileMeta(DEFLATED_EXPLICIT_LE, sopInstanceUid), deflateRawSync(dataset)]);
}

/** A file whose File Meta Transfer Syntax UID is `transferSyntax` verbatim (CR/LF and all). */
export function fileWithTransferSyntax(transferSyntax: string, spec: InstanceSpec = {}): Buffer {
  const sopInstanceUid = spec.sopInstanceUid ?? newUid();
  const file = makeDicom({ ...spec, sopInstanceUid });
  return Buffer.concat([fileMeta(transferSyntax, sopInstanceUid), datasetOf(file)]);
}

/** Encapsulated Pixel Data of `count` fragments of 2 bytes each (an empty Basic Offset Table first). */
export function fragmentedPixelData(count: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16LE(0x7fe0, 0);
  header.writeUInt16LE(0x0010, 2);
  header.write('OB', 4, 'latin1');
  header.writeUInt32LE(0xffffffff, 8);
  const item = (length: number): Buffer => {
    const b = Buffer.alloc(8 + length);
    b.writeUInt16LE(0xfffe, 0);
    b.writeUInt16LE(0xe000, 2);
    b.writeUInt32LE(length, 4);
    return b;
  };
  const fragments = Buffer.alloc(count * 10);
  for (let i = 0; i < count; i += 1) {
    fragments.writeUInt16LE(0xfffe, i * 10);
    fragments.writeUInt16LE(0xe000, i * 10 + 2);
    fragments.writeUInt32LE(2, i * 10 + 4);
    fragments.writeUInt16LE(0xd8ff, i * 10 + 8);
  }
  const end = Buffer.alloc(8);
  end.writeUInt16LE(0xfffe, 0);
  end.writeUInt16LE(0xe0dd, 2);
  return Buffer.concat([header, item(0), fragments, end]);
}

/** A JPEG Baseline file of `frames` frames, one 2-byte fragment each. */
export function manyFragmentsFile(frames: number, spec: InstanceSpec = {}): Buffer {
  const sopInstanceUid = spec.sopInstanceUid ?? newUid();
  const file = makeDicom({
    ...spec,
    sopInstanceUid,
    elements: [
      ...(spec.elements ?? []),
      { tag: '00280002', vr: 'US', value: u16(1) },
      { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
      { tag: '00280008', vr: 'IS', value: String(frames) },
      { tag: '00280010', vr: 'US', value: u16(1) },
      { tag: '00280011', vr: 'US', value: u16(1) },
      { tag: '00280100', vr: 'US', value: u16(8) },
      { tag: '00280101', vr: 'US', value: u16(8) },
      { tag: '00280102', vr: 'US', value: u16(7) },
      { tag: '00280103', vr: 'US', value: u16(0) },
    ],
  });
  return Buffer.concat([
    fileMeta('1.2.840.10008.1.2.4.50', sopInstanceUid),
    datasetOf(file),
    fragmentedPixelData(frames),
  ]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n, 0);
  return b;
}

/** About `bytes` of person names `A\A\…` in private PN elements of 64 KiB (issue 13's 32 MiB upload). */
export function personNameFlood(bytes: number): ElementSpec[] {
  const value = Buffer.from('A\\'.repeat(32_766) + 'A ', 'latin1');
  return personNameElementsOf(Math.ceil(bytes / value.length), value);
}

function personNameElementsOf(count: number, value: Buffer): ElementSpec[] {
  const elements: ElementSpec[] = [];
  for (let n = 0; n < count; n += 1) {
    const group = (0x0009 + 2 * Math.floor(n / 256)).toString(16).padStart(4, '0');
    if (n % 256 === 0) elements.push({ tag: `${group}0010`.toUpperCase(), vr: 'LO', value: 'HOSTILE' });
    const element = (0x1000 + (n % 256)).toString(16).padStart(4, '0');
    elements.push({ tag: `${group}${element}`.toUpperCase(), vr: 'PN', value });
  }
  return elements;
}
