/**
 * Rewrites a stored Part 10 file with changed top-level attributes, streaming: the preamble and
 * File Meta Information are copied as they are, top-level data elements are copied until each
 * changed tag's place (tag order), where the new element replaces the old one or is inserted; once
 * the last changed tag is passed, the rest of the file (pixel data included) streams through
 * byte for byte. Nested sequences are walked only to find their end, never decoded.
 */
import { TransferSyntax } from '../dicom/transferSyntax';
import { LONG_LENGTH_VRS } from '../dicom/vr';
import { ByteSource } from './byteSource';
import type { AttributeChange } from './changeDataset';

/** Why one instance cannot be updated; the study fails with this message. */
export class InstanceUpdateRefused extends Error {}

const PREAMBLE_AND_MAGIC = 132;
const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
const SPECIFIC_CHARACTER_SET = 0x00080005;
/** A File Meta group or character set value longer than this is not a file this service wrote. */
const MAX_HEAD_ELEMENT_BYTES = 64 * 1024;

interface ElementHeader {
  readonly tag: number;
  readonly vr: string;
  readonly bytes: Buffer;
  readonly length: number;
}

export async function* rewriteInstanceFile(
  source: AsyncIterable<Buffer>,
  changes: readonly AttributeChange[],
): AsyncGenerator<Buffer> {
  const input = new ByteSource(source[Symbol.asyncIterator]());
  if (!(await input.fill(PREAMBLE_AND_MAGIC)) || input.peek(PREAMBLE_AND_MAGIC).toString('latin1', 128) !== 'DICM') {
    throw new InstanceUpdateRefused('The stored file is not a DICOM Part 10 file.');
  }
  yield input.take(PREAMBLE_AND_MAGIC);
  const transferSyntax = yield* copyFileMeta(input);
  if (
    transferSyntax === TransferSyntax.ExplicitVRBigEndian ||
    transferSyntax === TransferSyntax.DeflatedExplicitVRLittleEndian
  ) {
    throw new InstanceUpdateRefused(`Instances in transfer syntax ${transferSyntax} cannot be updated.`);
  }
  const explicit = transferSyntax !== TransferSyntax.ImplicitVRLittleEndian;
  const pending = changes.map((c) => ({ change: c, tag: parseInt(c.tag, 16) }));
  let next = 0;
  let charset = '';
  while (next < pending.length && (await input.fill(8))) {
    const header = await readHeader(input, explicit);
    for (; next < pending.length && (pending[next]?.tag ?? 0) < header.tag; next++) {
      const encoded = encodeChange((pending[next] as { change: AttributeChange }).change, charset, explicit);
      if (encoded) yield encoded;
    }
    const current = pending[next];
    if (current && current.tag === header.tag) {
      if (current.change.text === null && header.length > 0) {
        throw new InstanceUpdateRefused(
          `The value of ${formatTag(current.tag)} cannot be changed to null: the instance holds a value.`,
        );
      }
      for await (const skipped of copyElement(input, header, explicit)) void skipped;
      const encoded = encodeChange(current.change, charset, explicit);
      if (encoded) yield encoded;
      next++;
      continue;
    }
    if (header.tag === SPECIFIC_CHARACTER_SET && header.length <= MAX_HEAD_ELEMENT_BYTES) {
      if (!(await input.fill(header.length))) throw new InstanceUpdateRefused('The stored file is truncated.');
      const value = input.take(header.length);
      charset = value.toString('latin1');
      yield header.bytes;
      yield value;
      continue;
    }
    yield* copyElement(input, header, explicit);
  }
  for (; next < pending.length; next++) {
    const encoded = encodeChange((pending[next] as { change: AttributeChange }).change, charset, explicit);
    if (encoded) yield encoded;
  }
  yield* input.rest();
}

/** Copies the File Meta group (always Explicit VR Little Endian) and returns its Transfer Syntax UID. */
async function* copyFileMeta(input: ByteSource): AsyncGenerator<Buffer, string> {
  let transferSyntax = '';
  let total = 0;
  while (await input.fill(8)) {
    if (input.peek(2).readUInt16LE(0) !== 0x0002) break;
    const header = await readHeader(input, true);
    total += header.bytes.length + header.length;
    if (header.length === UNDEFINED_LENGTH || total > MAX_HEAD_ELEMENT_BYTES) {
      throw new InstanceUpdateRefused('The stored file has an invalid File Meta Information group.');
    }
    if (!(await input.fill(header.length))) throw new InstanceUpdateRefused('The stored file is truncated.');
    const value = input.take(header.length);
    if (header.tag === 0x00020010) transferSyntax = value.toString('latin1').replace(/[\0 ]+$/, '');
    yield header.bytes;
    yield value;
  }
  return transferSyntax;
}

async function readHeader(input: ByteSource, explicit: boolean): Promise<ElementHeader> {
  if (!(await input.fill(8))) throw new InstanceUpdateRefused('The stored file is truncated.');
  const first = input.peek(8);
  const tag = ((first.readUInt16LE(0) << 16) | first.readUInt16LE(2)) >>> 0;
  if (!explicit || tag >>> 16 === 0xfffe) {
    const bytes = input.take(8);
    return { tag, vr: '', bytes, length: bytes.readUInt32LE(4) };
  }
  const vr = first.toString('latin1', 4, 6);
  if (LONG_LENGTH_VRS.has(vr)) {
    if (!(await input.fill(12))) throw new InstanceUpdateRefused('The stored file is truncated.');
    const bytes = input.take(12);
    return { tag, vr, bytes, length: bytes.readUInt32LE(8) };
  }
  const bytes = input.take(8);
  return { tag, vr, bytes, length: bytes.readUInt16LE(6) };
}

/** The element as it is: its header, then its value or (undefined length) its items up to the delimiter. */
async function* copyElement(input: ByteSource, header: ElementHeader, explicit: boolean): AsyncGenerator<Buffer> {
  yield header.bytes;
  if (header.length !== UNDEFINED_LENGTH) {
    yield* input.pass(header.length);
    return;
  }
  // UN of undefined length holds Implicit VR Little Endian items (PS3.5 6.2.2).
  const nestedExplicit = explicit && header.vr !== 'UN';
  for (;;) {
    const item = await readHeader(input, false);
    yield item.bytes;
    if (item.tag === SEQUENCE_END) return;
    if (item.tag !== ITEM) throw new InstanceUpdateRefused('The stored file has a malformed sequence.');
    if (item.length !== UNDEFINED_LENGTH) {
      yield* input.pass(item.length);
      continue;
    }
    for (;;) {
      if (!(await input.fill(8))) throw new InstanceUpdateRefused('The stored file is truncated.');
      const peeked = input.peek(4);
      if (((peeked.readUInt16LE(0) << 16) | peeked.readUInt16LE(2)) >>> 0 === ITEM_END) {
        yield (await readHeader(input, false)).bytes;
        break;
      }
      yield* copyElement(input, await readHeader(input, nestedExplicit), nestedExplicit);
    }
  }
}

/** The new element, padded to even length with a space; undefined for a null change (nothing to write). */
function encodeChange(change: AttributeChange, charset: string, explicit: boolean): Buffer | undefined {
  if (change.text === null) return undefined;
  let value = encodeText(change, charset);
  if (value.length % 2 === 1) value = Buffer.concat([value, Buffer.from(' ')]);
  if (value.length > 0xffff) throw new InstanceUpdateRefused(`The value of ${change.tag} is too long.`);
  const tag = parseInt(change.tag, 16);
  const header = Buffer.alloc(8);
  header.writeUInt16LE(tag >>> 16, 0);
  header.writeUInt16LE(tag & 0xffff, 2);
  if (explicit) {
    header.write(change.vr, 4, 'latin1');
    header.writeUInt16LE(value.length, 6);
  } else header.writeUInt32LE(value.length, 4);
  return Buffer.concat([header, value]);
}

/**
 * ASCII as is; other text in the instance's character set when it is UTF-8 (ISO_IR 192) or
 * Latin-1 (ISO_IR 100). Other character sets would need code extensions: refused.
 */
function encodeText(change: AttributeChange, charset: string): Buffer {
  const text = change.text ?? '';
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return Buffer.from(text, 'latin1');
  const terms = charset.replace(/[\0 ]+$/, '').split('\\');
  if (terms.includes('ISO_IR 192')) return Buffer.from(text, 'utf8');
  if (terms.every((t) => t === '' || t === 'ISO_IR 100') && [...text].every((c) => c.charCodeAt(0) <= 0xff)) {
    return Buffer.from(text, 'latin1');
  }
  throw new InstanceUpdateRefused(
    `The value of ${formatTag(parseInt(change.tag, 16))} cannot be written in the instance's character set '${terms.join('\\')}'.`,
  );
}

function formatTag(tag: number): string {
  const hex = tag.toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}
