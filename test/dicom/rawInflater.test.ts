import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants, deflateRawSync } from 'node:zlib';
import { test } from 'node:test';
import { DicomParseError } from '../../shared/dicom/dicomParseError';
import { RawInflater } from '../../shared/dicom/rawInflater';
import { chunked, seededRandom } from './part10Builder';

function inflate(deflated: Buffer, sizes: number[]): { out: Buffer; finished: boolean } {
  const inflater = new RawInflater();
  const out = Buffer.concat(chunked(deflated, sizes).map((c) => inflater.push(c)));
  return { out, finished: inflater.finished };
}

function sample(length: number): Buffer {
  const random = seededRandom(length);
  const b = Buffer.alloc(length);
  // Text-like runs with repeats (back-references, long and short) and some noise.
  for (let i = 0; i < length; i += 1)
    b[i] = random() < 0.7 && i > 300 ? (b[i - 1 - Math.floor(random() * 300)] ?? 0) : 97 + Math.floor(random() * 26);
  return b;
}

test('matches zlib for stored, fixed and dynamic blocks, however the input is chunked', () => {
  const data = sample(200_000);
  for (const [level, strategy] of [
    [0, constants.Z_DEFAULT_STRATEGY],
    [1, constants.Z_FIXED],
    [6, constants.Z_DEFAULT_STRATEGY],
    [9, constants.Z_HUFFMAN_ONLY],
    [9, constants.Z_RLE],
  ] as const) {
    const deflated = deflateRawSync(data, { level, strategy });
    for (const sizes of [[deflated.length], [3, 7, 4096], [65536]]) {
      const { out, finished } = inflate(deflated, sizes);
      assert.ok(out.equals(data), `level ${level} strategy ${strategy} chunks ${sizes.join(',')}`);
      assert.ok(finished);
    }
    // Byte by byte: every symbol and block header gets cut somewhere.
    const small = data.subarray(0, 20_000);
    assert.ok(
      inflate(deflateRawSync(small, { level, strategy }), [1]).out.equals(small),
      `level ${level} byte by byte`,
    );
  }
});

test('empty input and a stream that ends early', () => {
  const deflated = deflateRawSync(sample(5000));
  const { finished } = inflate(deflated.subarray(0, deflated.length - 5), [100]);
  assert.equal(finished, false);
  assert.equal(new RawInflater().push(Buffer.alloc(0)).length, 0);
});

test('corrupt data is a DicomParseError', () => {
  assert.throws(() => new RawInflater().push(Buffer.from([0xff, 0xff, 0xff, 0xff])), DicomParseError);
  // A stored block whose length and its complement disagree.
  assert.throws(() => new RawInflater().push(Buffer.from([0x01, 0x05, 0x00, 0x00, 0x00])), /stored block length/);
});

test('a decompression bomb stops at the ratio limit, within the first input chunk', () => {
  // 256 MiB of zeros deflate to about 256 KiB: a ratio of about 1000.
  const bomb = deflateRawSync(Buffer.alloc(256 * 1024 * 1024));
  const inflater = new RawInflater();
  let produced = 0;
  assert.throws(() => {
    for (let at = 0; at < bomb.length; at += 65536) produced += inflater.push(bomb.subarray(at, at + 65536)).length;
  }, /inflates more than 100 times its size/);
  assert.ok(produced <= 100 * 65536, `${produced} bytes produced before the stop`);
});

test('the total inflated size is capped too', () => {
  const data = deflateRawSync(randomBytes(64 * 1024));
  const inflater = new RawInflater({ maxInflatedBytes: 32 * 1024 });
  assert.throws(() => inflater.push(data), /inflates past the 32768-byte limit/);
});
