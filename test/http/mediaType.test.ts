import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMediaType } from '../../shared/http/mediaType';

function params(header: string): Record<string, string> | undefined {
  const parsed = parseMediaType(header);
  return parsed && Object.fromEntries(parsed.params);
}

test('type, subtype and essence are lower case; parameter values keep their case', () => {
  const parsed = parseMediaType('Multipart/Related; TYPE=Application/DICOM; BOUNDARY="AbC"');
  assert.ok(parsed);
  assert.equal(parsed.type, 'multipart');
  assert.equal(parsed.subtype, 'related');
  assert.equal(parsed.essence, 'multipart/related');
  assert.deepEqual(Object.fromEntries(parsed.params), { type: 'Application/DICOM', boundary: 'AbC' });
});

test('quoted and unquoted values, as each client sends them', () => {
  const expected = { type: 'application/dicom', boundary: 'abc-123' };
  assert.deepEqual(params('multipart/related; type="application/dicom"; boundary="abc-123"'), expected);
  assert.deepEqual(params('multipart/related; type=application/dicom; boundary=abc-123'), expected);
  assert.deepEqual(params('multipart/related;boundary=abc-123;type="application/dicom"'), {
    boundary: 'abc-123',
    type: 'application/dicom',
  });
  assert.deepEqual(params('multipart/related ;  type = "application/dicom" ;\tboundary=abc-123 '), expected);
});

test('quoted values keep semicolons, commas and escaped quotes; unquoted ones keep = / : ?', () => {
  assert.deepEqual(params('multipart/related; boundary="a;b,c\\"d\\\\"; type=x'), { boundary: 'a;b,c"d\\', type: 'x' });
  assert.deepEqual(params('multipart/related; boundary=----=_Part_0_1.2/3:4?'), { boundary: '----=_Part_0_1.2/3:4?' });
});

test('unusable parameters are skipped, not fatal; the first of a repeated name wins', () => {
  assert.deepEqual(params('application/dicom; charset'), {});
  assert.deepEqual(params('application/dicom; =x; bad name=1; ok=1'), { ok: '1' });
  assert.deepEqual(params('multipart/related; boundary="abc'), {});
  assert.deepEqual(params('multipart/related; boundary="abc"def; type=x'), { type: 'x' });
  assert.deepEqual(params('multipart/related; boundary=""; type=x'), { type: 'x' });
  assert.deepEqual(params('multipart/related; boundary=a; BOUNDARY=b'), { boundary: 'a' });
  assert.deepEqual(params('multipart/related; boundary=a\u0001b'), {});
});

test('a malformed or absent type is undefined', () => {
  for (const header of [
    '',
    'application',
    '/dicom',
    'application/',
    'appli cation/dicom',
    'application/dicom/x',
    '"a"/b',
  ]) {
    assert.equal(parseMediaType(header), undefined, header);
  }
  assert.equal(parseMediaType(null), undefined);
  assert.equal(parseMediaType(undefined), undefined);
});
