// Files of every transfer syntax store byte for byte, with the frame ranges retrieval will need.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readFixture } from '../support/fixtures';
import { firstValue, sequence, stowFiles } from '../support/stowClient';
import type { StoredFrameIndex } from '../../shared/dicom/frameIndex';
import { frameCountOf } from '../../shared/dicom/frameRanges';
import { Tag } from '../../shared/dicom/tags';
import { useTestServer } from '../support/serverFixture';

interface Case {
  readonly file: string;
  readonly transferSyntax: string;
  readonly frames: { kind: 'native' | 'fragments'; count: number } | undefined;
}

const RICH_UID = '2.25.329800735698586629295641978511506172919';
const MULTIFRAME_UID = '2.25.329800735698586629295641978511506172938';

// Fixtures of one group share a SOP Instance UID; each gets a distinct one of the same length
// (bytes swapped in place), except the deflated file, whose dataset is compressed.
const CASES: readonly (Case & { uid?: [string, string] })[] = [
  { file: 'rich-deflated.dcm', transferSyntax: '1.2.840.10008.1.2.1.99', frames: undefined },
  {
    file: 'rich-implicit-le.dcm',
    transferSyntax: '1.2.840.10008.1.2',
    frames: { kind: 'native', count: 1 },
    uid: [RICH_UID, RICH_UID.replace(/919$/, '801')],
  },
  {
    file: 'rich-explicit-be.dcm',
    transferSyntax: '1.2.840.10008.1.2.2',
    frames: { kind: 'native', count: 1 },
    uid: [RICH_UID, RICH_UID.replace(/919$/, '802')],
  },
  {
    file: 'rich-explicit-le.dcm',
    transferSyntax: '1.2.840.10008.1.2.1',
    frames: { kind: 'native', count: 1 },
    uid: [RICH_UID, RICH_UID.replace(/919$/, '803')],
  },
  { file: 'jpeg-baseline.dcm', transferSyntax: '1.2.840.10008.1.2.4.50', frames: { kind: 'fragments', count: 1 } },
  { file: 'multiframe-native.dcm', transferSyntax: '1.2.840.10008.1.2.1', frames: { kind: 'native', count: 30 } },
  {
    file: 'multiframe-jpeg-bot.dcm',
    transferSyntax: '1.2.840.10008.1.2.4.50',
    frames: { kind: 'fragments', count: 30 },
    uid: [MULTIFRAME_UID, MULTIFRAME_UID.replace(/938$/, '811')],
  },
  {
    file: 'multiframe-jpeg-nobot-fragmented.dcm',
    transferSyntax: '1.2.840.10008.1.2.4.50',
    frames: { kind: 'fragments', count: 30 },
    uid: [MULTIFRAME_UID, MULTIFRAME_UID.replace(/938$/, '812')],
  },
  {
    file: 'multiframe-rle-nobot.dcm',
    transferSyntax: '1.2.840.10008.1.2.5',
    frames: { kind: 'fragments', count: 30 },
    uid: [MULTIFRAME_UID, MULTIFRAME_UID.replace(/938$/, '813')],
  },
  { file: 'charset-japanese.dcm', transferSyntax: '1.2.840.10008.1.2.1', frames: undefined },
];

function withUid(file: Buffer, [from, to]: [string, string]): Buffer {
  const copy = Buffer.from(file);
  const needle = Buffer.from(from, 'latin1');
  let replaced = 0;
  for (let at = copy.indexOf(needle); at >= 0; at = copy.indexOf(needle, at + needle.length)) {
    copy.write(to, at, 'latin1');
    replaced += 1;
  }
  assert.ok(replaced >= 2, 'the UID is in the file meta and the dataset');
  return copy;
}

describe('STOW-RS across transfer syntaxes', () => {
  const ctx = useTestServer();

  for (const testCase of CASES) {
    test(`${testCase.file} (${testCase.transferSyntax})`, async () => {
      const original = readFixture(testCase.file);
      const file = testCase.uid ? withUid(original, testCase.uid) : original;
      const result = await stowFiles(`${ctx.baseUrl}/v2/studies`, [file]);
      assert.ok(result.status === 200 || result.status === 202, `${result.status}: ${result.text}`);

      const sop = firstValue(sequence(result.json, Tag.ReferencedSOPSequence)[0], Tag.ReferencedSOPInstanceUID);
      const entities = await ctx.probe.entities('Instances', `PartitionKey lt '~'`);
      const entity = entities.find((e) => e.SOPInstanceUID === sop);
      assert.ok(entity, 'an instance entity');
      assert.equal(entity.State, 'created');
      assert.equal(entity.TransferSyntaxUID, testCase.transferSyntax);
      const frames = typeof entity.Frames === 'string' ? (JSON.parse(entity.Frames) as StoredFrameIndex) : undefined;
      if (testCase.frames) {
        assert.equal(frames?.kind, testCase.frames.kind);
        assert.equal(frames && frameCountOf(frames), testCase.frames.count);
      }

      const [blob] = (await ctx.probe.blobNames(`${String(entity.partitionKey)}/`)).filter(
        (n) => n.includes(`/${String(entity.SOPInstanceUID)}/`) && n.endsWith('/file.dcm'),
      );
      assert.ok(blob);
      const stored = await ctx.probe.downloadBlob(blob);
      assert.ok(
        stored.subarray(128).equals(file.subarray(128)),
        'stored bytes equal the bytes sent after the preamble',
      );
    });
  }
});
