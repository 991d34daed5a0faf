/**
 * The DICOM instances the STOW-RS benchmark sends, framed as `multipart/related` bodies of one part.
 *
 * Small instances: one template from `makeDicom`, whose fixed-length UIDs are overwritten per instance.
 * Building every instance with `makeDicom` would cost about a millisecond of CPU and a megabyte of copies each,
 * which at several hundred instances per second takes a good part of the two cores away from the server under test.
 * The pixel data is identical in every instance and sent from one shared buffer.
 *
 * The large instance is a multi-frame image streamed frame by frame, so the client never holds it in memory.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { makeDicom, type ElementSpec } from '../test/support/dicomFactory';

/** One request body as a sequence of buffers, and its total length (the Content-Length). */
export interface RequestBody {
  readonly chunks: Iterable<Buffer>;
  readonly length: number;
}

export interface GeneratedInstance {
  readonly body: RequestBody;
  readonly studyInstanceUid: string;
  readonly sopInstanceUid: string;
}

/** A boundary of token characters only, so it is valid quoted or not; random so no pixel data can contain it. */
export const BOUNDARY = `dicomweb-bench-${randomBytes(12).toString('hex')}`;
export const STOW_CONTENT_TYPE = `multipart/related; type="application/dicom"; boundary=${BOUNDARY}`;

const PART_HEAD = Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1');
const CLOSE_DELIMITER = Buffer.from(`\r\n--${BOUNDARY}--\r\n`, 'latin1');

/** Multi-frame Grayscale Word Secondary Capture Image Storage: the SOP class for 16-bit multi-frame images. */
const MULTIFRAME_GRAYSCALE_WORD_SC = '1.2.840.10008.5.1.4.1.1.7.3';
const FRAME_ROWS = 512;
const FRAME_COLUMNS = 512;
/** 16-bit samples: one 512 × 512 frame is 512 KiB, the size of the small instances' pixel data. */
export const FRAME_BYTES = FRAME_ROWS * FRAME_COLUMNS * 2;
/** The pixel data length is a 32-bit field and 0xFFFFFFFF means "undefined length". */
const MAX_PIXEL_BYTES = 0xfffffffe;

const UID_DIGITS = 38;
const UID_FLOOR = 10n ** BigInt(UID_DIGITS - 1);
const UID_SPAN = 9n * UID_FLOOR;

/**
 * A UID under the 2.25 root whose number always has 38 digits, so every UID is 43 characters long and can
 * replace another in place. 10^38 is below 2^128, so the number is a valid UUID-derived value.
 */
export function fixedLengthUid(): string {
  const random = BigInt(`0x${randomBytes(16).toString('hex')}`) % UID_SPAN;
  return `2.25.${(UID_FLOOR + random).toString()}`;
}

/** 16 characters, even length, so the value needs no padding and keeps its length. */
function fixedLengthPatientId(): string {
  return `BENCH-${randomInt(0, 2 ** 40)
    .toString(16)
    .padStart(10, '0')}`;
}

type Field = 'study' | 'series' | 'sop' | 'patient';

/** The placeholder each field gets in the template; each has the length of the values that replace it. */
const PLACEHOLDERS: Readonly<Record<Field, string>> = {
  study: `2.25.1${'1'.repeat(UID_DIGITS - 1)}`,
  series: `2.25.2${'2'.repeat(UID_DIGITS - 1)}`,
  sop: `2.25.3${'3'.repeat(UID_DIGITS - 1)}`,
  patient: 'BENCH-PLACEHOLDR',
};

/**
 * Instances grouped as real studies are: `instancesPerStudy` instances share a study, a series and a patient,
 * then the next study starts. Concurrent requests therefore often store into the same study at once,
 * as a modality sending a study in parallel does.
 */
export class StudyShapedInstances {
  /** File bytes up to and including the pixel data element header, with placeholder UIDs. */
  private readonly head: Buffer;
  /** The pixel data value, shared by every instance (never written to after construction). */
  private readonly pixels: Buffer;
  private readonly offsets: ReadonlyMap<Field, readonly number[]>;
  private readonly values = new Map<Field, string>();
  private inCurrentStudy = 0;

  /** Bytes of each DICOM file (every instance has the same length). */
  readonly instanceBytes: number;
  /** Bytes of each request body: the instance and its multipart framing. */
  readonly requestBytes: number;

  constructor(
    pixelDataBytes: number,
    private readonly instancesPerStudy: number,
  ) {
    const template = makeInstance(PLACEHOLDERS, pixelDataBytes);
    const headLength = pixelDataValueOffset(template);
    this.head = template.subarray(0, headLength);
    this.pixels = template.subarray(headLength);
    this.offsets = new Map(
      (Object.keys(PLACEHOLDERS) as Field[]).map((field) => [field, occurrences(this.head, PLACEHOLDERS[field])]),
    );
    for (const [field, found] of this.offsets) {
      if (found.length === 0) throw new Error(`The template has no ${field} placeholder; dicomFactory changed?`);
    }
    this.instanceBytes = template.length;
    this.requestBytes = PART_HEAD.length + template.length + CLOSE_DELIMITER.length;
    this.selfCheck(pixelDataBytes);
  }

  next(): GeneratedInstance {
    if (this.inCurrentStudy === 0) {
      this.values.set('study', fixedLengthUid());
      this.values.set('series', fixedLengthUid());
      this.values.set('patient', fixedLengthPatientId());
    }
    this.inCurrentStudy = (this.inCurrentStudy + 1) % this.instancesPerStudy;
    this.values.set('sop', fixedLengthUid());
    // The head is copied because a request may still be writing the previous instance's head.
    const first = Buffer.concat([PART_HEAD, this.head]);
    for (const [field, found] of this.offsets) {
      const value = this.values.get(field) ?? PLACEHOLDERS[field];
      for (const offset of found) first.write(value, PART_HEAD.length + offset, 'latin1');
    }
    return {
      body: { chunks: [first, this.pixels, CLOSE_DELIMITER], length: this.requestBytes },
      studyInstanceUid: this.values.get('study') ?? '',
      sopInstanceUid: this.values.get('sop') ?? '',
    };
  }

  /** A patched instance must be byte for byte what `makeDicom` builds with the same values. */
  private selfCheck(pixelDataBytes: number): void {
    const sent = Buffer.concat([...this.next().body.chunks]);
    const get = (field: Field): string => this.values.get(field) ?? PLACEHOLDERS[field];
    const used = { study: get('study'), series: get('series'), sop: get('sop'), patient: get('patient') };
    const expected = Buffer.concat([PART_HEAD, makeInstance(used, pixelDataBytes), CLOSE_DELIMITER]);
    if (!sent.equals(expected)) throw new Error('Patching the instance template does not reproduce makeDicom output');
    // The probe used a slot of the first study: start the sequence afresh.
    this.inCurrentStudy = 0;
  }
}

function makeInstance(values: Readonly<Record<Field, string>>, pixelDataBytes: number): Buffer {
  return makeDicom({
    studyInstanceUid: values.study,
    seriesInstanceUid: values.series,
    sopInstanceUid: values.sop,
    patientId: values.patient,
    patientName: 'Bench^Patient',
    pixelDataBytes,
  });
}

/** Where the pixel data value starts: after the (7FE0,0010) OW header, the last element makeDicom writes. */
function pixelDataValueOffset(file: Buffer): number {
  const header = Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]);
  const at = file.indexOf(header);
  if (at < 0) throw new Error('The template has no pixel data element');
  return at + 12;
}

function occurrences(haystack: Buffer, needle: string): number[] {
  const found: number[] = [];
  for (let at = haystack.indexOf(needle, 0, 'latin1'); at >= 0; at = haystack.indexOf(needle, at + 1, 'latin1')) {
    found.push(at);
  }
  return found;
}

export interface BigInstance {
  readonly body: RequestBody;
  readonly frames: number;
  readonly pixelBytes: number;
  readonly studyInstanceUid: string;
}

/**
 * One multi-frame instance of about `gibibytes` GiB (whole 512 KiB frames), framed as a one-part multipart body.
 * Frames are generated as the request consumes them; with backpressure at most a few are alive at once.
 */
export function bigMultiFrameInstance(gibibytes: number): BigInstance {
  const frames = Math.max(1, Math.round((gibibytes * 1024 ** 3) / FRAME_BYTES));
  const pixelBytes = frames * FRAME_BYTES;
  if (pixelBytes > MAX_PIXEL_BYTES) {
    throw new Error(`${gibibytes} GiB of pixel data does not fit a 32-bit DICOM length; use less than 4 GiB`);
  }
  const studyInstanceUid = fixedLengthUid();
  const us = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(n, 0);
    return b;
  };
  const imagePixel: ElementSpec[] = [
    { tag: '00280002', vr: 'US', value: us(1) },
    { tag: '00280004', vr: 'CS', value: 'MONOCHROME2' },
    { tag: '00280008', vr: 'IS', value: String(frames) },
    { tag: '00280010', vr: 'US', value: us(FRAME_ROWS) },
    { tag: '00280011', vr: 'US', value: us(FRAME_COLUMNS) },
    { tag: '00280100', vr: 'US', value: us(16) },
    { tag: '00280101', vr: 'US', value: us(16) },
    { tag: '00280102', vr: 'US', value: us(15) },
    { tag: '00280103', vr: 'US', value: us(0) },
  ];
  // No pixelDataBytes: makeDicom writes the attributes only, and the pixel data element follows as a stream.
  const attributes = makeDicom({
    studyInstanceUid,
    sopClassUid: MULTIFRAME_GRAYSCALE_WORD_SC,
    patientId: fixedLengthPatientId(),
    patientName: 'Bench^Large',
    elements: imagePixel,
  });
  const pixelHeader = Buffer.alloc(12);
  pixelHeader.writeUInt16LE(0x7fe0, 0);
  pixelHeader.writeUInt16LE(0x0010, 2);
  pixelHeader.write('OW', 4, 'latin1');
  pixelHeader.writeUInt32LE(pixelBytes, 8);
  const first = Buffer.concat([PART_HEAD, attributes, pixelHeader]);
  return {
    body: {
      chunks: streamedChunks(first, frames),
      length: first.length + pixelBytes + CLOSE_DELIMITER.length,
    },
    frames,
    pixelBytes,
    studyInstanceUid,
  };
}

function* streamedChunks(first: Buffer, frames: number): Generator<Buffer> {
  yield first;
  // A gradient, copied into each new frame (memcpy, far cheaper than computing every byte).
  const pattern = Buffer.allocUnsafe(FRAME_BYTES);
  for (let i = 0; i < FRAME_BYTES; i += 2) pattern.writeUInt16LE((i >> 1) & 0xffff, i);
  for (let frame = 0; frame < frames; frame += 1) {
    // A fresh buffer per frame: the socket may still hold the previous one when the next is made.
    const chunk = Buffer.allocUnsafe(FRAME_BYTES);
    pattern.copy(chunk);
    chunk.writeUInt32LE(frame, 0); // frames differ, so nothing downstream can deduplicate them
    yield chunk;
  }
  yield CLOSE_DELIMITER;
}
