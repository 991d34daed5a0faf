/**
 * Builds Part 10 files in any of the uncompressed encodings (implicit/explicit VR, little/big
 * endian), with nested sequences, undefined lengths and encapsulated pixel data, so parser tests
 * can state exactly the bytes they are about. (test/support/dicomFactory.ts covers the common
 * explicit VR little endian case.)
 */
export type Encoding = 'implicitLE' | 'explicitLE' | 'explicitBE';

export interface Item {
  readonly elements: readonly El[];
  /** Write the item with undefined length and an Item Delimitation Item. */
  readonly undefinedLength?: boolean;
}

export interface El {
  readonly tag: string;
  readonly vr: string;
  /** Text (latin1 unless a Buffer is given), raw bytes, or numbers for binary numeric VRs. */
  readonly value?: string | Buffer | readonly (number | bigint)[];
  /** For SQ (and UN of undefined length): the items. */
  readonly items?: readonly Item[];
  /** Write with undefined length (SQ, UN, or encapsulated pixel data given as `value`). */
  readonly undefinedLength?: boolean;
  /** Write this element's header in another encoding (e.g. the implicit VR content of a UN). */
  readonly itemsEncoding?: Encoding;
}

/** VRs with a 16-bit length in explicit VR; any other (including unknown VRs) has a 32-bit one. */
const SHORT = new Set([
  'AE',
  'AS',
  'AT',
  'CS',
  'DA',
  'DS',
  'DT',
  'FD',
  'FL',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'SL',
  'SS',
  'ST',
  'TM',
  'UI',
  'UL',
  'US',
]);
const UNDEFINED = 0xffffffff;

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflated: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpeg2000: '1.2.840.10008.1.2.4.90',
  rle: '1.2.840.10008.1.2.5',
} as const;

export interface FileSpec {
  readonly transferSyntax: string;
  readonly elements: readonly El[];
  /** Write (0002,0000) File Meta Information Group Length; default true. */
  readonly metaGroupLength?: boolean;
  /** Replace the encoded dataset (e.g. with its deflated form). */
  readonly transformDataset?: (dataset: Buffer) => Buffer;
}

export function encodingOf(transferSyntax: string): Encoding {
  if (transferSyntax === TS.implicitLE) return 'implicitLE';
  if (transferSyntax === TS.explicitBE) return 'explicitBE';
  return 'explicitLE';
}

export function buildPart10(spec: FileSpec): Buffer {
  const metaElements: El[] = [
    { tag: '00020001', vr: 'OB', value: Buffer.from([0, 1]) },
    { tag: '00020002', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
    { tag: '00020003', vr: 'UI', value: '1.2.3.4.5' },
    { tag: '00020010', vr: 'UI', value: spec.transferSyntax },
    { tag: '00020012', vr: 'UI', value: '1.2.3.4.5.6.7' },
  ];
  const meta = encodeDataset(metaElements, 'explicitLE');
  const groupLength =
    spec.metaGroupLength === false
      ? Buffer.alloc(0)
      : encodeElement({ tag: '00020000', vr: 'UL', value: [meta.length] }, 'explicitLE');
  const dataset = encodeDataset(spec.elements, encodingOf(spec.transferSyntax));
  return Buffer.concat([
    Buffer.alloc(128),
    Buffer.from('DICM', 'latin1'),
    groupLength,
    meta,
    spec.transformDataset ? spec.transformDataset(dataset) : dataset,
  ]);
}

export function encodeDataset(elements: readonly El[], encoding: Encoding): Buffer {
  return Buffer.concat(elements.map((e) => encodeElement(e, encoding)));
}

export function encodeElement(el: El, encoding: Encoding): Buffer {
  const le = encoding !== 'explicitBE';
  let value: Buffer;
  if (el.items) {
    const inner = el.itemsEncoding ?? encoding;
    const innerLe = inner !== 'explicitBE';
    value = Buffer.concat(el.items.map((item) => encodeItem(item, inner, innerLe)));
    if (el.undefinedLength) value = Buffer.concat([value, itemTag(0xe0dd, 0, innerLe)]);
  } else {
    value = encodeValue(el, le);
  }
  const length = el.undefinedLength ? UNDEFINED : value.length;
  return Buffer.concat([header(el.tag, el.vr, length, encoding), value]);
}

function encodeItem(item: Item, encoding: Encoding, le: boolean): Buffer {
  const body = encodeDataset(item.elements, encoding);
  if (!item.undefinedLength) return Buffer.concat([itemTag(0xe000, body.length, le), body]);
  return Buffer.concat([itemTag(0xe000, UNDEFINED, le), body, itemTag(0xe00d, 0, le)]);
}

function itemTag(element: number, length: number, le: boolean): Buffer {
  const b = Buffer.alloc(8);
  if (le) {
    b.writeUInt16LE(0xfffe, 0);
    b.writeUInt16LE(element, 2);
    b.writeUInt32LE(length, 4);
  } else {
    b.writeUInt16BE(0xfffe, 0);
    b.writeUInt16BE(element, 2);
    b.writeUInt32BE(length, 4);
  }
  return b;
}

function header(tag: string, vr: string, length: number, encoding: Encoding): Buffer {
  const group = parseInt(tag.slice(0, 4), 16);
  const element = parseInt(tag.slice(4, 8), 16);
  if (encoding === 'implicitLE') {
    const b = Buffer.alloc(8);
    b.writeUInt16LE(group, 0);
    b.writeUInt16LE(element, 2);
    b.writeUInt32LE(length, 4);
    return b;
  }
  const le = encoding === 'explicitLE';
  const long = !SHORT.has(vr) || length === UNDEFINED;
  const b = Buffer.alloc(long ? 12 : 8);
  if (le) {
    b.writeUInt16LE(group, 0);
    b.writeUInt16LE(element, 2);
  } else {
    b.writeUInt16BE(group, 0);
    b.writeUInt16BE(element, 2);
  }
  b.write(vr, 4, 'latin1');
  if (long) {
    if (le) b.writeUInt32LE(length, 8);
    else b.writeUInt32BE(length, 8);
  } else if (le) {
    b.writeUInt16LE(length, 6);
  } else {
    b.writeUInt16BE(length, 6);
  }
  return b;
}

function encodeValue(el: El, le: boolean): Buffer {
  const { value, vr } = el;
  if (value === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return pad(value, vr);
  if (typeof value === 'string') return pad(Buffer.from(value, 'latin1'), vr);
  return Buffer.concat(value.map((n) => number(vr, n, le)));
}

function pad(b: Buffer, vr: string): Buffer {
  if (b.length % 2 === 0) return b;
  const text = SHORT.has(vr) || vr === 'UC' || vr === 'UR' || vr === 'UT';
  const padByte = vr === 'UI' || !text ? 0 : 0x20;
  return Buffer.concat([b, Buffer.from([padByte])]);
}

function number(vr: string, n: number | bigint, le: boolean): Buffer {
  const size = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' || vr === 'SV' || vr === 'UV' ? 8 : 4;
  const b = Buffer.alloc(size);
  const v = Number(n);
  switch (vr) {
    case 'US':
      if (le) b.writeUInt16LE(v);
      else b.writeUInt16BE(v);
      break;
    case 'SS':
      if (le) b.writeInt16LE(v);
      else b.writeInt16BE(v);
      break;
    case 'SL':
      if (le) b.writeInt32LE(v);
      else b.writeInt32BE(v);
      break;
    case 'FL':
      if (le) b.writeFloatLE(v);
      else b.writeFloatBE(v);
      break;
    case 'FD':
      if (le) b.writeDoubleLE(v);
      else b.writeDoubleBE(v);
      break;
    case 'SV':
      if (le) b.writeBigInt64LE(BigInt(n));
      else b.writeBigInt64BE(BigInt(n));
      break;
    case 'UV':
      if (le) b.writeBigUInt64LE(BigInt(n));
      else b.writeBigUInt64BE(BigInt(n));
      break;
    case 'AT':
      // n is 0xGGGGEEEE: group then element, each in the dataset's byte order.
      if (le) {
        b.writeUInt16LE(v >>> 16, 0);
        b.writeUInt16LE(v & 0xffff, 2);
      } else {
        b.writeUInt16BE(v >>> 16, 0);
        b.writeUInt16BE(v & 0xffff, 2);
      }
      break;
    default:
      if (le) b.writeUInt32LE(v);
      else b.writeUInt32BE(v);
  }
  return b;
}

/**
 * The value of an undefined-length Pixel Data element: a Basic Offset Table item, one item per
 * fragment, and the Sequence Delimitation Item. `bot: true` writes the table for `frames`.
 */
export function encapsulatedPixels(frames: readonly (readonly Buffer[])[], bot: boolean | readonly number[]): Buffer {
  const items: Buffer[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const fragments of frames) {
    offsets.push(at);
    for (const f of fragments) {
      const value = pad(f, 'OB');
      items.push(itemTag(0xe000, value.length, true), value);
      at += 8 + value.length;
    }
  }
  const table = bot === true ? offsets : bot === false ? [] : bot;
  const botValue = Buffer.alloc(table.length * 4);
  table.forEach((o, i) => botValue.writeUInt32LE(o, i * 4));
  return Buffer.concat([itemTag(0xe000, botValue.length, true), botValue, ...items, itemTag(0xe0dd, 0, true)]);
}

/** Feeds `file` to a parser-like object in pieces of the given sizes (cycled). */
export function chunked(file: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  let i = 0;
  while (at < file.length) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    out.push(file.subarray(at, at + size));
    at += size;
    i += 1;
  }
  return out;
}

/** A deterministic pseudo-random sequence (tests must be reproducible). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

/** A native multi-frame instance: `frames` frames of 512x512 16-bit pixels (512 KiB each). */
export function multiFrameFile(frames: number): Buffer {
  return buildPart10({
    transferSyntax: TS.explicitLE,
    elements: [
      { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7.3' },
      { tag: '00080018', vr: 'UI', value: '1.2.3.4' },
      { tag: '00100020', vr: 'LO', value: 'PID' },
      { tag: '0020000D', vr: 'UI', value: '1.2.3.1' },
      { tag: '0020000E', vr: 'UI', value: '1.2.3.2' },
      { tag: '00280002', vr: 'US', value: [1] },
      { tag: '00280008', vr: 'IS', value: String(frames) },
      { tag: '00280010', vr: 'US', value: [512] },
      { tag: '00280011', vr: 'US', value: [512] },
      { tag: '00280100', vr: 'US', value: [16] },
      { tag: '7FE00010', vr: 'OW', value: Buffer.alloc(frames * 512 * 512 * 2, 0x5a) },
    ],
  });
}
