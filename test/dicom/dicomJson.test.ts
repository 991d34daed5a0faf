import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getItems, getNumber, getString, getStrings, type DicomJsonDataset } from '../../shared/dicom/dicomJson';

const ds: DicomJsonDataset = {
  '00080008': { vr: 'CS', Value: ['ORIGINAL', null, 'AXIAL'] },
  '00080050': { vr: 'SH' },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane', Ideographic: 'ID' }] },
  '00101010': { vr: 'PN', Value: [{ Ideographic: 'only' }] },
  '00200013': { vr: 'IS', Value: [7] },
  '00280008': { vr: 'IS', Value: ['12'] },
  '00280030': { vr: 'DS', Value: ['abc'] },
  '00081032': { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['C'] } }] },
};

test('getString: the first value, PN as its Alphabetic group', () => {
  assert.equal(getString(ds, '00080008'), 'ORIGINAL');
  assert.equal(getString(ds, '00100010'), 'Doe^Jane');
  assert.equal(getString(ds, '00101010'), undefined);
  assert.equal(getString(ds, '00200013'), '7');
  assert.equal(getString(ds, '00080050'), undefined, 'empty');
  assert.equal(getString(ds, '00100020'), undefined, 'absent');
  assert.equal(getString(ds, '00081032'), undefined, 'sequence');
});

test('getStrings: every value, empty ones as empty strings', () => {
  assert.deepEqual(getStrings(ds, '00080008'), ['ORIGINAL', '', 'AXIAL']);
  assert.deepEqual(getStrings(ds, '00100020'), []);
});

test('getNumber: numbers, and IS/DS kept as text when they parse', () => {
  assert.equal(getNumber(ds, '00200013'), 7);
  assert.equal(getNumber(ds, '00280008'), 12);
  assert.equal(getNumber(ds, '00280030'), undefined);
  assert.equal(getNumber(ds, '00100020'), undefined);
});

test('getItems', () => {
  assert.deepEqual(getItems(ds, '00081032'), [{ '00080100': { vr: 'SH', Value: ['C'] } }]);
  assert.deepEqual(getItems(ds, '00080008'), []);
});
