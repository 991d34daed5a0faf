import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lookupTag, tagForKeyword } from '../../shared/dicom/dictionary';
import { Tag } from '../../shared/dicom/tags';

test('public tags: VR and keyword, either case', () => {
  assert.deepEqual(lookupTag('00100010'), { vr: 'PN', keyword: 'PatientName' });
  assert.deepEqual(lookupTag('0020000d'), { vr: 'UI', keyword: 'StudyInstanceUID' });
  assert.deepEqual(lookupTag('00081032'), { vr: 'SQ', keyword: 'ProcedureCodeSequence' });
  assert.equal(lookupTag('00091001'), undefined, 'private');
  assert.equal(lookupTag('00080003'), undefined, 'unknown');
});

test('VRs that depend on context are resolved for Implicit VR reading', () => {
  assert.equal(lookupTag('7FE00010')?.vr, 'OW', 'Pixel Data: OB or OW');
  assert.equal(lookupTag('00280106')?.vr, 'US', 'Smallest Image Pixel Value: US or SS');
  assert.equal(lookupTag('00281201')?.vr, 'OW', 'Red Palette LUT Data');
  assert.equal(lookupTag('00041200')?.vr, 'UL', 'directory offsets');
});

test('repeating groups and element ranges', () => {
  assert.deepEqual(lookupTag('60003000'), { vr: 'OW', keyword: 'OverlayData' });
  assert.deepEqual(lookupTag('601E0010'), { vr: 'US', keyword: 'OverlayRows' });
  assert.equal(lookupTag('60010010'), undefined, 'odd groups are private');
  assert.equal(lookupTag('50100005')?.keyword, 'CurveDimensions');
  assert.equal(lookupTag('7F100010')?.keyword, 'VariablePixelData');
  assert.equal(lookupTag('00203150')?.keyword, 'SourceImageIDs');
});

test('retired attributes are known, without the RETIRED_ prefix', () => {
  assert.deepEqual(lookupTag('00080010'), { vr: 'SH', keyword: 'RecognitionCode' });
});

test('keyword to tag', () => {
  assert.equal(tagForKeyword('PatientName'), '00100010');
  assert.equal(tagForKeyword('OverlayData'), '60003000');
  assert.equal(tagForKeyword('NoSuchKeyword'), undefined);
  assert.equal(tagForKeyword('patientname'), undefined, 'keywords are case-sensitive');
});

test('every named constant agrees with the dictionary', () => {
  for (const [name, tag] of Object.entries(Tag)) {
    assert.equal(lookupTag(tag)?.keyword, name, `${name} ${tag}`);
    assert.equal(tagForKeyword(name), tag);
  }
});
