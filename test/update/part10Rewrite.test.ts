/**
 * The streaming rewrite of bulk update (shared/update/part10Rewrite.ts) on the repository's
 * fixtures: implicit and explicit VR, sequences of defined and undefined length, encapsulated
 * pixel data, UTF-8 and Latin-1, fed in chunks of a few bytes. The rewritten file parses to the same
 * dataset except the changed attributes, its pixel data is the same bytes, and DCMTK reads it.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { Tag } from '../../shared/dicom/tags';
import type { AttributeChange } from '../../shared/update/changeDataset';
import { InstanceUpdateRefused, rewriteInstanceFile } from '../../shared/update/part10Rewrite';
import { dcmdumpValues, ensureDcmtk } from '../support/dcmtkReference';
import { readFixture } from '../support/fixtures';
import { parseDicom } from '../retrieve/retrieveSupport';

const ISSUER_OF_PATIENT_ID = '00100021';

function changes(name: string): AttributeChange[] {
  return [
    { tag: Tag.AccessionNumber, vr: 'SH', text: 'ACC-NEW' },
    { tag: Tag.PatientName, vr: 'PN', text: name },
    { tag: Tag.PatientID, vr: 'LO', text: 'NEW-ID' },
    { tag: ISSUER_OF_PATIENT_ID, vr: 'LO', text: 'ISSUER' },
  ];
}

async function rewrite(file: Buffer, list: readonly AttributeChange[], chunk = 7): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let at = 0; at < file.length; at += chunk) pieces.push(file.subarray(at, at + chunk));
  const out: Buffer[] = [];
  for await (const piece of rewriteInstanceFile(Readable.from(pieces) as AsyncIterable<Buffer>, list)) out.push(piece);
  return Buffer.concat(out);
}

function withoutChanged(dataset: DicomJsonDataset): DicomJsonDataset {
  const copy = { ...dataset };
  for (const tag of [Tag.AccessionNumber, Tag.PatientName, Tag.PatientID, ISSUER_OF_PATIENT_ID]) delete copy[tag];
  return copy;
}

describe('bulk update rewrite of a stored file', () => {
  const cases: [string, string][] = [
    ['rich-implicit-le.dcm', 'Müller^Jürgen'],
    ['rich-explicit-le.dcm', 'Müller^Jürgen'],
    ['charset-utf8.dcm', 'Wang^XiaoDong=王^小東'],
    ['multiframe-jpeg-bot.dcm', 'Plain^Ascii'],
    ['multiframe-rle-nobot.dcm', 'Plain^Ascii'],
    ['jpeg-baseline.dcm', 'Wang^XiaoDong=王^小東'],
  ];
  for (const [fixture, name] of cases) {
    it(`rewrites ${fixture}: only the changed attributes differ`, async () => {
      const original = readFixture(fixture);
      const rewritten = await rewrite(original, changes(name));
      const before = parseDicom(original);
      const after = parseDicom(rewritten, 5);
      assert.equal(after.transferSyntaxUid, before.transferSyntaxUid);
      assert.deepEqual(withoutChanged(after.dataset), withoutChanged(before.dataset));
      assert.deepEqual(after.dataset[Tag.PatientID]?.Value, ['NEW-ID']);
      assert.deepEqual(after.dataset[Tag.AccessionNumber]?.Value, ['ACC-NEW']);
      assert.deepEqual(after.dataset[ISSUER_OF_PATIENT_ID]?.Value, ['ISSUER']);
      const [alphabetic, ideographic] = name.split('=');
      assert.deepEqual(after.dataset[Tag.PatientName]?.Value, [
        ideographic === undefined ? { Alphabetic: alphabetic } : { Alphabetic: alphabetic, Ideographic: ideographic },
      ]);
      const pixels = original.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
      const newPixels = rewritten.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00]));
      // Every fixture but charset-utf8 has pixel data.
      assert.equal(pixels > 0, fixture !== 'charset-utf8.dcm');
      assert.ok(rewritten.subarray(newPixels).equals(original.subarray(pixels)), 'pixel data unchanged');
      if ((await ensureDcmtk()) === undefined) {
        const values = await dcmdumpValues(rewritten, ['0010,0020', '0008,0050', '0010,0021']);
        assert.deepEqual(
          [values.get('0010,0020'), values.get('0008,0050'), values.get('0010,0021')],
          ['NEW-ID', 'ACC-NEW', 'ISSUER'],
        );
      }
    });
  }

  it('refuses to make a value null, and leaves an absent attribute absent for a null change', async () => {
    const original = readFixture('rich-explicit-le.dcm');
    await assert.rejects(rewrite(original, [{ tag: Tag.PatientID, vr: 'LO', text: null }]), InstanceUpdateRefused);
    const rewritten = await rewrite(original, [{ tag: ISSUER_OF_PATIENT_ID, vr: 'LO', text: null }]);
    assert.ok(rewritten.equals(original), 'nothing to change: the same bytes');
  });

  it('refuses non-ASCII text in a character set it cannot write, and accepts ASCII there', async () => {
    const greek = readFixture('charset-greek.dcm');
    await assert.rejects(
      rewrite(greek, [{ tag: Tag.PatientID, vr: 'LO', text: 'Ωμέγα' }]),
      /cannot be written in the instance's character set 'ISO_IR 126'/,
    );
    const ascii = parseDicom(await rewrite(greek, [{ tag: Tag.PatientID, vr: 'LO', text: 'ASCII-1' }]));
    assert.deepEqual(ascii.dataset[Tag.PatientID]?.Value, ['ASCII-1']);
  });

  it('refuses big endian and what is not a Part 10 file', async () => {
    await assert.rejects(rewrite(readFixture('rich-explicit-be.dcm'), changes('A^B')), InstanceUpdateRefused);
    await assert.rejects(rewrite(Buffer.from('not dicom at all'), changes('A^B')), InstanceUpdateRefused);
  });
});
