// Keys are cut on code points: a lone surrogate in a table key is refused by storage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyOf, MAX_KEY_VALUE_CHARS } from '../../shared/search/indexEntries';
import { cutAtCodePoint, insideSurrogatePair } from '../../shared/search/normalize';

const HAS_LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

test('a cut that would split a surrogate pair keeps the pair out', () => {
  const value = 'a'.repeat(MAX_KEY_VALUE_CHARS - 1) + '\u{1F600}tail';
  const cut = cutAtCodePoint(value, MAX_KEY_VALUE_CHARS);
  assert.equal(cut, 'a'.repeat(MAX_KEY_VALUE_CHARS - 1));
  assert.doesNotMatch(keyOf(value), HAS_LONE_SURROGATE);
  assert.equal(cutAtCodePoint('short', 10), 'short');
});

test('suffixes never start inside a surrogate pair', () => {
  const value = 'x\u{1F600}y';
  const starts = [...value].length;
  const suffixes: number[] = [];
  for (let i = 0; i < value.length; i++) if (!insideSurrogatePair(value, i)) suffixes.push(i);
  assert.equal(suffixes.length, starts);
  for (const start of suffixes) assert.doesNotMatch(value.slice(start), HAS_LONE_SURROGATE);
});
