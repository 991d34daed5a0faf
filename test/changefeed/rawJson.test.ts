// Change-feed answers splice stored metadata in as text: the result is the JSON that parsing and
// serialising would have given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonPieces, RawJson } from '../../shared/changefeed/rawJson';

const text = (value: unknown): string => [...jsonPieces(value)].join('');

test('entries with and without raw metadata serialise as JSON.stringify would', () => {
  const metadata = { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'A\u00e9\u{1F600}"\\' }] } };
  const entries = [
    { Sequence: 1, State: 'current', Metadata: new RawJson(JSON.stringify(metadata)) },
    { Sequence: 2, State: 'deleted' },
    { Sequence: 3, Action: 'create', Metadata: new RawJson('{}') },
  ];
  const expected = [
    { Sequence: 1, State: 'current', Metadata: metadata },
    { Sequence: 2, State: 'deleted' },
    { Sequence: 3, Action: 'create', Metadata: {} },
  ];
  assert.deepEqual(JSON.parse(text(entries)), expected);
  assert.deepEqual(JSON.parse(text(entries[0])), expected[0]);
  assert.equal(text([]), '[]');
  assert.deepEqual(JSON.parse(text({ Metadata: new RawJson('[1]') })), { Metadata: [1] });
});

test('an array is written one element at a time', () => {
  const pieces = [...jsonPieces([{ a: 1 }, { b: new RawJson('{"x":2}') }])];
  assert.ok(pieces.length >= 5, JSON.stringify(pieces));
});
