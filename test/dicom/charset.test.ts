import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveCharset } from '../../shared/dicom/charset';

const ESC = '\x1b';

function bytes(...parts: (string | number[])[]): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}

test('default repertoire and ISO_IR 100 read as Latin-1', () => {
  assert.equal(resolveCharset(undefined).decode(bytes([0x5a, 0x6f, 0xeb])), 'Zoë');
  assert.equal(resolveCharset(['ISO_IR 100']).decode(bytes([0x5a, 0x6f, 0xeb])), 'Zoë');
  // Bytes 0x80-0x9F stay themselves (windows-1252 would turn 0x80 into €).
  assert.equal(resolveCharset(['ISO_IR 100']).decode(bytes([0x80])), '\u0080');
});

test('single-byte ISO 8859 sets', () => {
  assert.equal(resolveCharset(['ISO_IR 126']).decode(bytes([0xc4, 0xe9, 0xef])), 'Διο');
  assert.equal(resolveCharset(['ISO_IR 144']).decode(bytes([0xbb, 0xee, 0xda])), 'Люк');
  assert.equal(resolveCharset(['ISO_IR 101']).decode(bytes([0xa3])), 'Ł');
  assert.equal(resolveCharset(['ISO_IR 203']).decode(bytes([0xa4])), '€');
  assert.equal(resolveCharset(['ISO_IR 138']).decode(bytes([0xf9])), 'ש');
});

test('UTF-8, GB18030 and GBK', () => {
  assert.equal(resolveCharset(['ISO_IR 192']).decode(Buffer.from('王^小東 😀', 'utf8')), '王^小東 😀');
  assert.equal(resolveCharset(['GB18030']).decode(bytes([0xcd, 0xf5, 0x5e, 0xd0, 0xa1, 0xb6, 0xab])), '王^小东');
  assert.equal(resolveCharset(['GBK']).decode(bytes([0xcd, 0xf5])), '王');
});

test('Japanese with ISO 2022 escapes (PS3.5 H.3.1)', () => {
  const value = bytes(
    'Yamada^Tarou=',
    `${ESC}$B`,
    [0x3b, 0x33, 0x45, 0x44],
    `${ESC}(B^`,
    `${ESC}$B`,
    [0x42, 0x40, 0x4f, 0x3a],
    `${ESC}(B=`,
    `${ESC}$B`,
    [0x24, 0x64, 0x24, 0x5e, 0x24, 0x40],
    `${ESC}(B^`,
    `${ESC}$B`,
    [0x24, 0x3f, 0x24, 0x6d, 0x24, 0x26],
    `${ESC}(B`,
  );
  assert.equal(resolveCharset(['', 'ISO 2022 IR 87']).decode(value), 'Yamada^Tarou=山田^太郎=やまだ^たろう');
});

test('half-width katakana (ISO 2022 IR 13) as the first set', () => {
  const value = bytes([0xd4, 0xcf, 0xc0, 0xde], '^', [0xc0, 0xdb, 0xb3]);
  assert.equal(resolveCharset(['ISO 2022 IR 13', 'ISO 2022 IR 87']).decode(value), 'ﾔﾏﾀﾞ^ﾀﾛｳ');
  assert.equal(resolveCharset(['ISO_IR 13']).decode(value), 'ﾔﾏﾀﾞ^ﾀﾛｳ');
});

test('Korean with ISO 2022 IR 149 escapes (PS3.5 I.2)', () => {
  const value = bytes('Hong^Gildong=', `${ESC}$)C`, [0xfb, 0xf3], '^', `${ESC}$)C`, [0xd1, 0xce, 0xd4, 0xd7]);
  assert.equal(resolveCharset(['', 'ISO 2022 IR 149']).decode(value), 'Hong^Gildong=洪^吉洞');
});

test('a second single-byte set reached by escape (ISO 2022 IR 100)', () => {
  const value = bytes('A', `${ESC}-A`, [0xeb]);
  assert.equal(resolveCharset(['ISO 2022 IR 6', 'ISO 2022 IR 100']).decode(value), 'Aë');
});

test('unknown terms are reported and read as Latin-1', () => {
  const charset = resolveCharset(['ISO_IR 999']);
  assert.deepEqual(charset.unknownTerms, ['ISO_IR 999']);
  assert.equal(charset.decode(bytes([0xeb])), 'ë');
  assert.deepEqual(resolveCharset(['', 'ISO 2022 IR 87']).unknownTerms, []);
});
