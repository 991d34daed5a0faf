/**
 * The data the retrieve benchmark (bench/wado.ts) stores, built once so that every server it measures
 * gets the very same bytes, and the checks every answer must pass before its time counts: a server
 * that answers fast with the wrong thing must fail loudly, not win.
 */
import { createHash } from 'node:crypto';
import { Tag } from '../shared/dicom/tags';
import { makeDicom, newUid } from '../test/support/dicomFactory';
import { multipartBody, multipartRelated, newBoundary } from '../test/support/multipartBody';

/** One frame of the multi-frame instances: 16 rows x 512 columns x 16 bits. */
export const FRAME_BYTES = 16 * 1024;
const ROWS_PER_FRAME = 16;

export interface MultiFrameInstance {
  readonly study: string;
  readonly series: string;
  readonly sop: string;
  readonly frames: number;
  readonly file: Buffer;
  /** Where the pixel data's value starts in `file` (it is the last element). */
  readonly pixelOffset: number;
}

export interface WadoDataset {
  /** 100 instances of ~512 KiB in one series. */
  readonly study: string;
  readonly studySops: ReadonlySet<string>;
  readonly studyFiles: readonly Buffer[];
  /** The stored files' bytes summed. */
  readonly studyBytes: number;
  /** SHA-1 of each stored file, to tell whether a retrieve gives back the very same bytes. */
  readonly studyDigests: ReadonlySet<string>;
  /** 1,000 small instances in one series (of a study of their own). */
  readonly seriesStudy: string;
  readonly series: string;
  readonly seriesSops: ReadonlySet<string>;
  readonly seriesFiles: readonly Buffer[];
  readonly thirty: MultiFrameInstance;
  readonly thousand: MultiFrameInstance;
}

export function buildDataset(): WadoDataset {
  const study = newUid();
  const studySeries = newUid();
  const studySops = Array.from({ length: 100 }, () => newUid());
  const studyFiles = studySops.map((sop) =>
    makeDicom({
      studyInstanceUid: study,
      seriesInstanceUid: studySeries,
      sopInstanceUid: sop,
      pixelDataBytes: 512 * 1024,
    }),
  );
  const seriesStudy = newUid();
  const series = newUid();
  const seriesSops = Array.from({ length: 1000 }, () => newUid());
  const seriesFiles = seriesSops.map((sop) =>
    makeDicom({ studyInstanceUid: seriesStudy, seriesInstanceUid: series, sopInstanceUid: sop }),
  );
  const frameStudy = newUid();
  const frameSeries = newUid();
  return {
    study,
    studySops: new Set(studySops),
    studyFiles,
    studyBytes: studyFiles.reduce((sum, file) => sum + file.length, 0),
    studyDigests: new Set(studyFiles.map(sha1)),
    seriesStudy,
    series,
    seriesSops: new Set(seriesSops),
    seriesFiles,
    thirty: multiFrame(frameStudy, frameSeries, 30),
    thousand: multiFrame(frameStudy, frameSeries, 1000),
  };
}

/**
 * A native multi-frame instance whose frame k starts with k as a 32-bit little-endian number (the rest
 * is makeDicom's byte ramp), so an answer for the wrong frame is caught.
 */
function multiFrame(study: string, series: string, frames: number): MultiFrameInstance {
  const sop = newUid();
  const file = makeDicom({
    studyInstanceUid: study,
    seriesInstanceUid: series,
    sopInstanceUid: sop,
    pixelDataBytes: frames * FRAME_BYTES,
    elements: [{ tag: Tag.NumberOfFrames, vr: 'IS', value: String(frames) }],
  });
  // makeDicom puts all rows in one frame; Rows (0028,0010) US is patched to one frame's rows.
  const rowsHeader = Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00]);
  const at = file.indexOf(rowsHeader);
  if (at < 0) throw new Error('no Rows element');
  file.writeUInt16LE(ROWS_PER_FRAME, at + 8);
  const pixelOffset = file.length - frames * FRAME_BYTES;
  if (file.readUInt16LE(pixelOffset - 12) !== 0x7fe0) throw new Error('the pixel data is not the last element');
  for (let k = 1; k <= frames; k += 1) file.writeUInt32LE(k, pixelOffset + (k - 1) * FRAME_BYTES);
  return { study, series, sop, frames, file, pixelOffset };
}

/** The files of the data set in STOW requests: 10 per request for the study, 100 for the series. */
export function stowBatches(dataset: WadoDataset): Buffer[][] {
  const batches: Buffer[][] = [];
  for (let i = 0; i < dataset.studyFiles.length; i += 10) batches.push(dataset.studyFiles.slice(i, i + 10));
  for (let i = 0; i < dataset.seriesFiles.length; i += 100) batches.push(dataset.seriesFiles.slice(i, i + 100));
  batches.push([dataset.thirty.file, dataset.thousand.file]);
  return batches;
}

/** STOW-RS of `files` in one request; throws unless the server says it stored every one. */
export async function stow(base: string, files: readonly Buffer[]): Promise<void> {
  const boundary = newBoundary();
  const body = multipartBody(
    files.map((f) => ({ body: f })),
    boundary,
  );
  const response = await fetch(`${base}/studies`, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { 'Content-Type': multipartRelated(boundary), Accept: 'application/dicom+json' },
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`STOW answered ${response.status}: ${text.slice(0, 300)}`);
  const parsed: unknown = JSON.parse(text);
  const failed = sequenceLength(parsed, '00081198');
  const referenced = sequenceLength(parsed, '00081199');
  if (failed > 0 || referenced !== files.length) {
    throw new Error(`STOW of ${files.length} stored ${referenced}, failed ${failed}: ${text.slice(0, 300)}`);
  }
}

function sequenceLength(dataset: unknown, tag: string): number {
  const value = attribute(dataset, tag);
  return Array.isArray(value) ? value.length : 0;
}

/** The `Value` of one attribute of a DICOM JSON object, or undefined. */
function attribute(dataset: unknown, tag: string): unknown {
  if (typeof dataset !== 'object' || dataset === null) return undefined;
  const element: unknown = (dataset as Record<string, unknown>)[tag];
  if (typeof element !== 'object' || element === null) return undefined;
  return (element as Record<string, unknown>).Value;
}

export interface Part {
  readonly headers: string;
  readonly body: Buffer;
}

/** The parts of a multipart body, by the boundary its Content-Type names; throws when it is not one. */
export function splitMultipart(body: Buffer, contentType: string): Part[] {
  const boundary = /boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType);
  const name = boundary?.[1] ?? boundary?.[2];
  if (!/^multipart\/related/i.test(contentType) || !name) {
    throw new Error(`not a multipart/related answer with a boundary: Content-Type "${contentType}"`);
  }
  const delimiter = Buffer.from(`--${name}`, 'latin1');
  const nextDelimiter = Buffer.from(`\r\n--${name}`, 'latin1');
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error('the multipart body has no delimiter');
  const parts: Part[] = [];
  for (;;) {
    at += delimiter.length;
    if (body.toString('latin1', at, at + 2) === '--') return parts;
    const headerEnd = body.indexOf('\r\n\r\n', at, 'latin1');
    if (headerEnd < 0) throw new Error(`part ${parts.length + 1} has no end of headers`);
    const end = body.indexOf(nextDelimiter, headerEnd + 4);
    if (end < 0) throw new Error(`part ${parts.length + 1} has no closing delimiter`);
    parts.push({ headers: body.toString('latin1', at, headerEnd), body: body.subarray(headerEnd + 4, end) });
    at = end + 2;
  }
}

/**
 * The whole study: one DICOM Part 10 part per stored instance, about the stored size in all.
 * Returns how many parts are byte for byte a stored file (a server may rewrite the file meta).
 */
export function checkStudy(body: Buffer, contentType: string, dataset: WadoDataset): number {
  const parts = splitMultipart(body, contentType);
  if (parts.length !== dataset.studyFiles.length) {
    throw new Error(`whole study: ${parts.length} parts, ${dataset.studyFiles.length} stored`);
  }
  let payload = 0;
  let identical = 0;
  for (const part of parts) {
    if (part.body.toString('latin1', 128, 132) !== 'DICM') throw new Error('whole study: a part is not DICOM Part 10');
    payload += part.body.length;
    if (dataset.studyDigests.has(sha1(part.body))) identical += 1;
  }
  if (payload < 0.99 * dataset.studyBytes) {
    throw new Error(`whole study: ${payload} bytes in the parts, ${dataset.studyBytes} stored`);
  }
  return identical;
}

/** Metadata: a DICOM JSON array with one object per stored instance, each naming its SOP Instance UID. */
export function checkMetadata(body: Buffer, sops: ReadonlySet<string>, what: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error(`${what}: not JSON: ${body.toString('utf8', 0, 200)}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${what}: not a JSON array`);
  if (parsed.length !== sops.size) throw new Error(`${what}: ${parsed.length} instances, ${sops.size} stored`);
  const seen = new Set<unknown>();
  for (const instance of parsed) {
    const sop: unknown = (attribute(instance, '00080018') as unknown[] | undefined)?.[0];
    if (typeof sop !== 'string' || !sops.has(sop)) throw new Error(`${what}: unknown SOP Instance UID ${String(sop)}`);
    seen.add(sop);
  }
  if (seen.size !== sops.size) throw new Error(`${what}: ${seen.size} distinct instances, ${sops.size} stored`);
}

/** Frame k: exactly one part holding exactly the stored bytes of frame k. */
export function checkFrame(body: Buffer, contentType: string, instance: MultiFrameInstance, k: number): void {
  const parts = splitMultipart(body, contentType);
  const what = `frame ${k} of ${instance.frames}`;
  if (parts.length !== 1) throw new Error(`${what}: ${parts.length} parts`);
  const got = parts[0]?.body ?? Buffer.alloc(0);
  const start = instance.pixelOffset + (k - 1) * FRAME_BYTES;
  const expected = instance.file.subarray(start, start + FRAME_BYTES);
  if (!got.equals(expected)) {
    throw new Error(
      `${what}: ${got.length} bytes (${FRAME_BYTES} expected), starting with frame number ` +
        `${got.length >= 4 ? got.readUInt32LE(0) : '-'}: not the stored frame`,
    );
  }
}

function sha1(data: Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}
