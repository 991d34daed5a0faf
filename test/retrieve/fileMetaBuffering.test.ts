// Issue 13: a stored file whose File Meta group is large, read back in small chunks for
// conversion, must cost copies and header reads in proportion to its size. Concatenating the held
// bytes with every chunk (and re-reading the group from its start) was quadratic: 0.5-0.8 s of
// blocked event loop per retrieve. Asserted on bytes copied and headers read, not on time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DicomParseError } from '../../shared/dicom/dicomParseError';
import { inflateToExplicitLittleEndian } from '../../shared/retrieve/deflatedToExplicitLittleEndian';
import { ExplicitLittleEndianTranscoder } from '../../shared/retrieve/explicitLittleEndianTranscoder';
import { FileMetaRewriter } from '../../shared/retrieve/fileMetaRewrite';
import { encodeElement } from '../support/dicomFactory';
import { readFixture } from '../support/fixtures';
import { parseDicom } from './retrieveSupport';

const MAX_HEAD = 16 * 1024 * 1024;
const GROUP_LENGTH_VALUE_AT = 140;

/** `file` with `extra` appended to its File Meta group (which must start with its group length). */
function withBiggerFileMeta(file: Buffer, extra: Buffer): Buffer {
  const metaLength = file.readUInt32LE(GROUP_LENGTH_VALUE_AT);
  const metaEnd = GROUP_LENGTH_VALUE_AT + 4 + metaLength;
  const out = Buffer.concat([file.subarray(0, metaEnd), extra, file.subarray(metaEnd)]);
  out.writeUInt32LE(metaLength + extra.length, GROUP_LENGTH_VALUE_AT);
  return out;
}

/** A Private Information (0002,0102) value of `bytes` and 2,000 tiny elements after it. */
function bigMetaElements(bytes: number): { bytes: Buffer; count: number } {
  const tiny = Array.from({ length: 2000 }, () => encodeElement({ tag: '00020100', vr: 'UI', value: '1.2' }));
  const big = encodeElement({ tag: '00020102', vr: 'OB', value: Buffer.alloc(bytes, 7) });
  return { bytes: Buffer.concat([big, ...tiny]), count: 2001 };
}

function* chunksOf(bytes: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function* asyncChunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  await Promise.resolve();
  yield* chunksOf(bytes, size);
}

function transcode(file: Buffer, chunkSize: number): { out: Buffer; transcoder: ExplicitLittleEndianTranscoder } {
  const transcoder = new ExplicitLittleEndianTranscoder('1.2.840.10008.1.2', MAX_HEAD);
  const out: Buffer[] = [];
  for (const chunk of chunksOf(file, chunkSize)) out.push(...transcoder.write(chunk));
  out.push(...transcoder.end());
  return { out: Buffer.concat(out), transcoder };
}

describe('File Meta buffering on retrieve', () => {
  // Sizes at which the quadratic version copies gigabytes (and fails these tests) within seconds.
  const extra = bigMetaElements(64 * 1024);
  const file = withBiggerFileMeta(readFixture('rich-implicit-le.dcm'), extra.bytes);
  const bigFile = withBiggerFileMeta(readFixture('rich-implicit-le.dcm'), bigMetaElements(256 * 1024).bytes);
  const originalHeaders = 5; // the fixture's own File Meta elements besides these

  test('1-byte chunks: each byte copied a bounded number of times, each header read once', () => {
    const rewriter = new FileMetaRewriter(MAX_HEAD);
    let head;
    let fed = 0;
    for (const chunk of chunksOf(file, 1)) {
      fed += 1;
      head = rewriter.push(chunk);
      if (head) break;
    }
    assert.ok(head, 'the head completes');
    // Concatenating per chunk would copy about fed²/2 bytes (4e9 here); doubling copies < 3 × fed.
    assert.ok(rewriter.bytesCopied <= 3 * fed, `${rewriter.bytesCopied} bytes copied for ${fed} bytes held`);
    assert.ok(
      rewriter.headersRead <= extra.count + originalHeaders + 2,
      `${rewriter.headersRead} element headers read for ${extra.count + originalHeaders} elements`,
    );
  });

  test('a head inside the first chunk is not copied at all', () => {
    const rewriter = new FileMetaRewriter(MAX_HEAD);
    assert.ok(rewriter.push(file));
    assert.equal(rewriter.bytesCopied, 0);
  });

  test('the transcoder gives the same output for 64-byte chunks as for one chunk, with linear copying', () => {
    const whole = transcode(bigFile, bigFile.length).out;
    const { out, transcoder } = transcode(bigFile, 64);
    assert.ok(out.equals(whole));
    assert.ok(transcoder.head.bytesCopied <= 3 * bigFile.length, String(transcoder.head.bytesCopied));
    assert.equal(parseDicom(out).transferSyntaxUid, '1.2.840.10008.1.2.1');
    assert.deepEqual(parseDicom(out).dataset, parseDicom(bigFile).dataset);
  });

  test('a deflated file inflates to the same bytes in 1-byte chunks as in one chunk', async () => {
    const private4k = encodeElement({ tag: '00020102', vr: 'OB', value: Buffer.alloc(4096, 7) });
    const deflated = withBiggerFileMeta(readFixture('rich-deflated.dcm'), private4k);
    async function inflate(size: number): Promise<Buffer> {
      const out: Buffer[] = [];
      for await (const chunk of inflateToExplicitLittleEndian(asyncChunksOf(deflated, size), MAX_HEAD)) out.push(chunk);
      return Buffer.concat(out);
    }
    const whole = await inflate(deflated.length);
    assert.ok((await inflate(1)).equals(whole));
    assert.equal(parseDicom(whole).transferSyntaxUid, '1.2.840.10008.1.2.1');
  });

  test('a File Meta group over the cap fails with DicomParseError once the cap is passed, not at its end', () => {
    const rewriter = new FileMetaRewriter(64 * 1024);
    let fed = 0;
    assert.throws(() => {
      for (const chunk of chunksOf(bigFile, 1000)) {
        fed += chunk.length;
        rewriter.push(chunk);
      }
    }, DicomParseError);
    // The 256 KiB element's declared length is over the cap: refused at its header.
    assert.ok(fed < 64 * 1024, `refused after ${fed} bytes`);
  });
});
