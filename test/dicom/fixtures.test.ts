/**
 * The parser against independent readers of the committed fixtures: pydicom's JSON and frames
 * (test/fixtures/expected, written once by scripts/make-fixtures.sh) and the dicom-parser package.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as dicomParser from 'dicom-parser';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import type { FrameIndex } from '../../shared/dicom/frameIndex';
import { frameCountOf, frameRangesOf } from '../../shared/dicom/frameRanges';
import { seededRandom } from './part10Builder';
import { FIXTURES, asJson, fixtureNames, parse, readFixture } from './parseHelpers';

interface Expected {
  readonly transferSyntaxUid: string;
  readonly dataset: DicomJsonDataset;
  readonly pixels: { pixelDataValueOffset: number; frames: { sha256: string; length: number }[] } | null;
}

function expected(name: string): Expected {
  const file = join(FIXTURES, 'expected', `${name.replace('/', '__').replace(/\.dcm$/, '')}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as Expected;
}

function frameHashes(file: Buffer, index: FrameIndex): { sha256: string; length: number }[] {
  const frames = Array.from({ length: frameCountOf(index) }, (_, i) =>
    Buffer.concat(frameRangesOf(index, i + 1).map((r) => file.subarray(r.offset, r.offset + r.length))),
  );
  return frames.map((f) => ({ sha256: createHash('sha256').update(f).digest('hex'), length: f.length }));
}

describe('pydicom agrees', () => {
  for (const name of fixtureNames()) {
    test(name, () => {
      const file = readFixture(name);
      const want = expected(name);
      const result = parse(file, [4096]);
      assert.equal(result.transferSyntaxUid, want.transferSyntaxUid);
      assert.deepEqual(asJson(result.dataset), want.dataset);
      assert.equal(result.byteLength, file.length);
      if (!want.pixels) {
        assert.equal(result.frames, undefined);
      } else if (name.includes('deflated')) {
        assert.equal(result.frames, undefined, 'offsets inside a deflate stream cannot be range-read');
      } else {
        assert.ok(result.frames, `frames indexed (${result.warnings.join('; ')})`);
        assert.deepEqual(frameHashes(file, result.frames), want.pixels.frames);
        if (result.frames.kind === 'native') assert.equal(result.frames.offset, want.pixels.pixelDataValueOffset);
      }
    });
  }
});

describe('the same result however the bytes are chunked', () => {
  for (const name of fixtureNames().filter((n) => !n.startsWith('tutorial/'))) {
    test(name, () => {
      const file = readFixture(name);
      const whole = asJson(parse(file));
      assert.deepEqual(asJson(parse(file, [1])), whole, 'one byte at a time');
      const random = seededRandom(name.length);
      const sizes = Array.from({ length: 97 }, () => 1 + Math.floor(random() * 300));
      assert.deepEqual(asJson(parse(file, sizes)), whole, 'random sizes');
      assert.deepEqual(asJson(parse(file, [2, 3, 5, 7, 11, 13, 8191])), whole, 'primes');
    });
  }

  test('a tutorial sample in 1 to 64 KiB chunks', () => {
    const file = readFixture('tutorial/blue-circle.dcm');
    const whole = asJson(parse(file));
    const random = seededRandom(7);
    const sizes = Array.from({ length: 31 }, () => 1 + Math.floor(random() * 65536));
    assert.deepEqual(asJson(parse(file, sizes)), whole);
    assert.deepEqual(asJson(parse(file, [13])), whole);
  });
});

describe('dicom-parser agrees', () => {
  // Not the explicit VR rich file: dicom-parser 1.8 predates the SV/UV/OV VRs and overruns on them.
  for (const name of ['tutorial/blue-circle.dcm', 'rich-implicit-le.dcm', 'multiframe-native.dcm']) {
    test(`${name}: strings and Pixel Data offset`, () => {
      const file = readFixture(name);
      const other = dicomParser.parseDicom(new Uint8Array(file.buffer, file.byteOffset, file.length));
      const result = parse(file);
      for (const tag of ['00080018', '0020000D', '0020000E', '00100020', '00080060']) {
        const theirs = other.string(`x${tag.toLowerCase()}`);
        assert.equal(result.dataset[tag]?.Value?.[0], theirs, tag);
      }
      const pixelData = other.elements.x7fe00010;
      assert.ok(pixelData && result.frames?.kind === 'native');
      assert.equal(result.frames.offset, pixelData.dataOffset);
    });
  }
});
