/** Helpers of the retrieve tests: storing fixtures under fresh UIDs and reading multipart answers. */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { getString } from '../../shared/dicom/dicomJson';
import { frameRangesOf } from '../../shared/dicom/frameRanges';
import { Part10StreamParser, type ParsedInstance } from '../../shared/dicom/part10StreamParser';
import { Tag } from '../../shared/dicom/tags';
import { parseMediaType } from '../../shared/http/mediaType';
import { boundaryFromContentType, readMultipart } from '../../shared/multipart/multipartReader';
import { stowFiles } from '../support/stowClient';

export interface ReceivedPart {
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/** Replaces every occurrence of a UID by another of the same length (fixtures of one group share UIDs). */
export function withUid(file: Buffer, from: string, to: string): Buffer {
  assert.equal(from.length, to.length);
  const copy = Buffer.from(file);
  const needle = Buffer.from(from, 'latin1');
  for (let at = copy.indexOf(needle); at >= 0; at = copy.indexOf(needle, at + needle.length)) {
    copy.write(to, at, 'latin1');
  }
  return copy;
}

/** What the server keeps: the file with its preamble zeroed. */
export function asStored(file: Buffer): Buffer {
  const copy = Buffer.from(file);
  copy.fill(0, 0, 128);
  return copy;
}

export async function store(baseUrl: string, ...files: Buffer[]): Promise<void> {
  const result = await stowFiles(`${baseUrl}/v2/studies`, files);
  assert.equal(result.status, 200, result.text);
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers });
}

/** The parts of a multipart/related response, read with the project's own multipart reader. */
export async function readParts(response: Response): Promise<ReceivedPart[]> {
  const contentType = response.headers.get('content-type') ?? '';
  assert.match(contentType, /^multipart\/related/);
  assert.ok(response.body);
  const mediaType = parseMediaType(contentType);
  assert.ok(mediaType, `not a media type: ${contentType}`);
  const boundary = boundaryFromContentType(mediaType);
  const parts: ReceivedPart[] = [];
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  for await (const part of readMultipart(body, boundary, { maxParts: 100_000 })) {
    const chunks: Buffer[] = [];
    for await (const chunk of part.body) chunks.push(chunk as Buffer);
    parts.push({ contentType: part.headers.get('content-type'), body: Buffer.concat(chunks) });
  }
  return parts;
}

export function parseDicom(file: Buffer, chunkSize = file.length): ParsedInstance {
  const parser = new Part10StreamParser();
  for (let at = 0; at < file.length; at += chunkSize) parser.write(file.subarray(at, at + chunkSize));
  return parser.end();
}

/** The bytes of frame `k` (1-based) of a file, from the project's frame index. */
export function frameOf(file: Buffer, k: number): Buffer {
  const index = parseDicom(file).frames;
  assert.ok(index, 'the file has indexed frames');
  const ranges = frameRangesOf(index, k);
  return Buffer.concat(ranges.map((r) => file.subarray(r.offset, r.offset + r.length)));
}

/** The frames URL of a stored file, from its own UIDs. */
export function framesUrl(base: string, file: Buffer, frames: string): string {
  const { dataset } = parseDicom(file);
  return `${base}/v2/studies/${getString(dataset, Tag.StudyInstanceUID) ?? ''}/series/${
    getString(dataset, Tag.SeriesInstanceUID) ?? ''
  }/instances/${getString(dataset, Tag.SOPInstanceUID) ?? ''}/frames/${frames}`;
}
