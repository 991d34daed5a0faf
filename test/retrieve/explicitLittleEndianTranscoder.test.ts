// The streaming transcoder alone: same output whatever the chunking, and output the parser reads.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExplicitLittleEndianTranscoder } from '../../shared/retrieve/explicitLittleEndianTranscoder';
import { readFixture } from '../support/fixtures';
import { frameOf, parseDicom } from './retrieveSupport';

const MAX_HEAD = 16 * 1024 * 1024;

function transcode(file: Buffer, syntax: '1.2.840.10008.1.2' | '1.2.840.10008.1.2.2', chunkSize: number): Buffer {
  const transcoder = new ExplicitLittleEndianTranscoder(syntax, MAX_HEAD);
  const out: Buffer[] = [];
  for (let at = 0; at < file.length; at += chunkSize) out.push(...transcoder.write(file.subarray(at, at + chunkSize)));
  out.push(...transcoder.end());
  return Buffer.concat(out);
}

describe('ExplicitLittleEndianTranscoder', () => {
  for (const [file, syntax] of [
    ['rich-implicit-le.dcm', '1.2.840.10008.1.2'],
    ['rich-explicit-be.dcm', '1.2.840.10008.1.2.2'],
  ] as const) {
    test(`${file}: Explicit VR LE equal to the original's content, whatever the chunk size`, () => {
      const original = readFixture(file);
      const whole = transcode(original, syntax, original.length);
      for (const size of [1, 3, 7, 64, 4096])
        assert.ok(transcode(original, syntax, size).equals(whole), `chunks of ${size}`);
      const parsed = parseDicom(whole);
      assert.equal(parsed.transferSyntaxUid, '1.2.840.10008.1.2.1');
      assert.deepEqual(parsed.dataset, parseDicom(original).dataset);
      // The pixels equal those of the Explicit VR LE file made from the same image.
      assert.ok(frameOf(whole, 1).equals(frameOf(readFixture('rich-explicit-le.dcm'), 1)));
    });
  }

  test('a truncated file fails at the end, not silently', () => {
    const original = readFixture('rich-implicit-le.dcm');
    const transcoder = new ExplicitLittleEndianTranscoder('1.2.840.10008.1.2', MAX_HEAD);
    transcoder.write(original.subarray(0, original.length - 3));
    assert.throws(() => transcoder.end(), /ends inside an element/);
  });
});
