import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  escapeTableKey,
  nameWords,
  normalizePersonName,
  normalizeString,
  normalizeValue,
} from '../../shared/search/normalize';

test('normalizePersonName folds case, accents, spacing and empty trailing components', () => {
  const cases: [string, string][] = [
    ['Doe^John', 'DOE^JOHN'],
    ['Doe^John^^', 'DOE^JOHN'],
    ['Doe^John^^^=', 'DOE^JOHN'],
    ['Doe^John==', 'DOE^JOHN'],
    ['  doe^john  ', 'DOE^JOHN'],
    ['Doe^John\0', 'DOE^JOHN'],
    ['Doe^John \0\0', 'DOE^JOHN'],
    ['Müller^Jürgen', 'MULLER^JURGEN'],
    ['Mu\u0308ller', 'MULLER'],
    ['Ångström^Éva', 'ANGSTROM^EVA'],
    ['van  der\tBerg^Anna', 'VAN DER BERG^ANNA'],
    ['Doe ^ John', 'DOE^JOHN'],
    ['Doe^^John', 'DOE^^JOHN'],
    ['Yamada^Tarou=山田^太郎', 'YAMADA^TAROU=山田^太郎'],
    ['', ''],
    ['^^', ''],
  ];
  for (const [input, expected] of cases) {
    assert.equal(normalizePersonName(input), expected, JSON.stringify(input));
  }
});

test('equal names normalize equal: "Doe^John^^" is "DOE^JOHN"', () => {
  assert.equal(normalizePersonName('Doe^John^^'), normalizePersonName('DOE^JOHN'));
  assert.equal(normalizePersonName('Müller'), normalizePersonName('MULLER'));
});

test('normalizeString is case-insensitive but keeps accents', () => {
  const cases: [string, string][] = [
    ['abc', 'ABC'],
    ['  Chest CT \0', 'CHEST CT'],
    ['Müller', 'MÜLLER'],
    ['Mu\u0308ller', 'MÜLLER'],
    ['a  b', 'A  B'],
  ];
  for (const [input, expected] of cases) {
    assert.equal(normalizeString(input), expected, JSON.stringify(input));
  }
  assert.notEqual(normalizeString('Müller'), normalizeString('MULLER'));
});

test('normalizeValue dispatches on the match type', () => {
  const cases: [Parameters<typeof normalizeValue>[0], string, string][] = [
    ['personName', 'müller^hans^', 'MULLER^HANS'],
    ['string', ' müller ', 'MÜLLER'],
    ['code', 'ct\0', 'CT'],
    ['date', '2024.01.31', '20240131'],
    ['date', ' 20240131 \0', '20240131'],
    ['uid', ' 1.2.3\0', '1.2.3'],
    ['uid', '1.2.ABC', '1.2.ABC'],
  ];
  for (const [match, input, expected] of cases) {
    assert.equal(normalizeValue(match, input), expected, `${match} ${JSON.stringify(input)}`);
  }
});

test('nameWords splits on ^, = and whitespace, drops empties and repeats, keeps order', () => {
  assert.deepEqual(nameWords('DOE^JOHN'), ['DOE', 'JOHN']);
  assert.deepEqual(nameWords('VAN DER BERG^ANNA^^DR'), ['VAN', 'DER', 'BERG', 'ANNA', 'DR']);
  assert.deepEqual(nameWords('YAMADA^TAROU=山田^太郎=YAMADA^TAROU'), ['YAMADA', 'TAROU', '山田', '太郎']);
  assert.deepEqual(nameWords(''), []);
  assert.deepEqual(nameWords('^^'), []);
});

test('escapeTableKey escapes the characters Table Storage refuses, and %', () => {
  const cases: [string, string][] = [
    ['DOE^JOHN', 'DOE^JOHN'],
    ['1.2.840.10008', '1.2.840.10008'],
    ['a/b', 'a%2Fb'],
    ['a\\b', 'a%5Cb'],
    ['#?', '%23%3F'],
    ['100%', '100%25'],
    ['\0\t\x1f', '%00%09%1F'],
    ['\x7f\x80\x9f', '%7F%80%9F'],
    ['\xa0é山', '\xa0é山'],
    ['', ''],
  ];
  for (const [input, expected] of cases) {
    assert.equal(escapeTableKey(input), expected, JSON.stringify(input));
  }
});

test('escapeTableKey is prefix-preserving for every split of its input', () => {
  const samples = ['a/b\\c#d?e%f', 'MÜLLER^HANS\0', '%2F%', '\x00\x1f\x7f\x9f\xa0', 'ab😀cd/'];
  for (const sample of samples) {
    for (let i = 0; i <= sample.length; i++) {
      const a = sample.slice(0, i);
      const b = sample.slice(i);
      assert.equal(escapeTableKey(a + b), escapeTableKey(a) + escapeTableKey(b), `${JSON.stringify(sample)} at ${i}`);
      assert.ok(escapeTableKey(sample).startsWith(escapeTableKey(a)));
    }
  }
});

test('escapeTableKey output never holds a refused character, and distinct inputs stay distinct', () => {
  const inputs = ['%', '%25', '/', '%2F', 'a', 'A', '\0', '%00'];
  const outputs = inputs.map(escapeTableKey);
  assert.equal(new Set(outputs).size, inputs.length);
  for (const out of outputs) {
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(out, /[/\\#?\x00-\x1f\x7f-\x9f]/);
  }
});
