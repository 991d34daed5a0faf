import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  acceptsMediaType,
  mediaTypeQuality,
  parseAccept,
  selectMediaType,
  type MediaRange,
} from '../../shared/http/negotiation';

const DICOM_JSON = 'application/dicom+json';

function summary(ranges: readonly MediaRange[]): string[] {
  return ranges.map((r) => {
    const extra = [...r.mediaType.params].map(([name, value]) => `;${name}=${value}`).join('');
    return `${r.mediaType.essence}${extra} ${r.q}`;
  });
}

test('an absent, empty or wholly malformed Accept is */* with weight 1', () => {
  for (const header of [null, undefined, '', '  ', 'nonsense, */json, text/html;q=high']) {
    assert.deepEqual(summary(parseAccept(header)), ['*/* 1'], String(header));
  }
});

test('ranges are ordered by weight, then specificity, then header order', () => {
  assert.deepEqual(summary(parseAccept('application/dicom+xml;q=0.5, application/dicom+json, */*;q=0.1')), [
    'application/dicom+json 1',
    'application/dicom+xml 0.5',
    '*/* 0.1',
  ]);
  assert.deepEqual(summary(parseAccept('*/*, application/*, text/plain, application/dicom+json;charset=utf-8')), [
    'application/dicom+json;charset=utf-8 1',
    'text/plain 1',
    'application/* 1',
    '*/* 1',
  ]);
});

test('quoted parameters may hold commas and semicolons; q and what follows it leave the range', () => {
  const ranges = parseAccept(
    'multipart/related; type="application/dicom"; transfer-syntax=*, ' +
      'multipart/related; type="a,b;c"; q=0.5; ext=1, TEXT/HTML;Level=1;Q=0.7',
  );
  assert.deepEqual(summary(ranges), [
    'multipart/related;type=application/dicom;transfer-syntax=* 1',
    'text/html;level=1 0.7',
    'multipart/related;type=a,b;c 0.5',
  ]);
});

test('weights outside the RFC form are clamped; a non-number drops its range; an empty q= is no weight', () => {
  assert.deepEqual(summary(parseAccept('a/b;q=1.5, c/d;q=0.25, e/f;q=x, g/h;q=')), ['a/b 1', 'g/h 1', 'c/d 0.25']);
});

test('acceptsMediaType: absent Accept and */* accept, q=0 refuses, the most specific range decides', () => {
  const cases: [string | null, boolean][] = [
    [null, true],
    ['', true],
    ['*/*', true],
    ['application/*', true],
    ['application/dicom+json', true],
    ['Application/DICOM+JSON', true],
    ['application/dicom+json; q=0.1', true],
    ['application/dicom+xml', false],
    ['application/json', false],
    ['text/*', false],
    ['application/dicom+json;q=0', false],
    ['*/*, application/dicom+json;q=0', false],
    ['application/dicom+json;q=0, */*', false],
    ['application/*;q=0, application/dicom+json', true],
    ['multipart/related; type="application/dicom"', false],
  ];
  for (const [accept, expected] of cases) {
    assert.equal(acceptsMediaType(accept, DICOM_JSON), expected, String(accept));
  }
});

test('parameters of a range must match the offer; a DICOM "*" value matches any', () => {
  const jpeg = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50';
  const explicit = 'multipart/related; type=application/dicom; transfer-syntax=1.2.840.10008.1.2.1';
  const anySyntax = 'multipart/related; type="application/dicom"; transfer-syntax=*';
  assert.equal(acceptsMediaType(anySyntax, jpeg), true);
  assert.equal(acceptsMediaType('multipart/related; type="application/dicom"', jpeg), true);
  assert.equal(acceptsMediaType(explicit, jpeg), false);
  assert.equal(acceptsMediaType(explicit, explicit), true);
  assert.equal(acceptsMediaType(anySyntax, 'multipart/related; type="application/octet-stream"'), false);
  assert.equal(acceptsMediaType('multipart/related; type="application/dicom"', 'multipart/related'), false);
});

test('mediaTypeQuality gives the weight of the most specific matching range', () => {
  const accept = parseAccept('*/*;q=0.1, application/*;q=0.3, application/dicom+json;q=0.8');
  assert.equal(mediaTypeQuality(accept, DICOM_JSON), 0.8);
  assert.equal(mediaTypeQuality(accept, 'application/dicom+xml'), 0.3);
  assert.equal(mediaTypeQuality(accept, 'image/jpeg'), 0.1);
  assert.equal(mediaTypeQuality('text/html', 'image/jpeg'), 0);
  assert.throws(() => mediaTypeQuality(accept, 'not a media type'), TypeError);
});

test('selectMediaType picks the offer with the highest weight; ties go to the server order', () => {
  const offers = [
    'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1',
    'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50',
  ];
  const prefersJpeg =
    'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50; q=0.9, ' +
    'multipart/related; type="application/dicom"; q=0.5';
  assert.equal(selectMediaType(prefersJpeg, offers), offers[1]);
  assert.equal(selectMediaType('multipart/related; type="application/dicom"', offers), offers[0]);
  assert.equal(selectMediaType(null, offers), offers[0]);
  assert.equal(selectMediaType('application/dicom+json', offers), undefined);
  assert.equal(selectMediaType(parseAccept('*/*;q=0'), offers), undefined);
});
