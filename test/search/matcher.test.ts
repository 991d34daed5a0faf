import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { attributeValues, literalRuns, matchesFilter } from '../../shared/search/matcher';
import { SEARCHABLE_ATTRIBUTES, type SearchableAttribute } from '../../shared/search/searchableAttributes';
import type { Filter } from '../../shared/search/searchQuery';

function attribute(keyword: string): SearchableAttribute {
  const found = SEARCHABLE_ATTRIBUTES.find((a) => a.keyword === keyword);
  assert.ok(found, keyword);
  return found;
}

const exact = (keyword: string, value: string): Filter => ({ kind: 'exact', attribute: attribute(keyword), value });
const wildcard = (keyword: string, pattern: string): Filter => ({
  kind: 'wildcard',
  attribute: attribute(keyword),
  pattern,
});
const fuzzy = (words: string[]): Filter => ({ kind: 'fuzzyName', attribute: attribute('PatientName'), words });
const dates = (from?: string, to?: string): Filter => ({
  kind: 'dateRange',
  attribute: attribute('StudyDate'),
  from,
  to,
});
const uids = (...values: string[]): Filter => ({ kind: 'uidList', attribute: attribute('StudyInstanceUID'), values });

/** [filter, values, expected] rows, labelled by index in failures. */
function check(rows: readonly [Filter, readonly string[], boolean][]): void {
  rows.forEach(([filter, values, expected], i) => {
    assert.equal(matchesFilter(filter, values), expected, `row ${i}: ${JSON.stringify({ ...filter, values })}`);
  });
}

test('attributeValues: strings, numbers, each PN group, nothing for absent or empty', () => {
  const ds: DicomJsonDataset = {
    '00100010': {
      vr: 'PN',
      Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }],
    },
    '00080090': { vr: 'PN', Value: [{ Alphabetic: 'Smith' }, { Ideographic: '李' }, null] },
    '00080061': { vr: 'CS', Value: ['CT', 'MR'] },
    '00200013': { vr: 'IS', Value: [7] },
    '00081030': { vr: 'LO' },
    '00100020': { vr: 'LO', Value: [] },
    '00081110': { vr: 'SQ', Value: [{ '00081150': { vr: 'UI', Value: ['1.2'] } }] },
  };
  assert.deepEqual(attributeValues(ds, '00100010'), ['Yamada^Tarou', '山田^太郎', 'やまだ^たろう']);
  assert.deepEqual(attributeValues(ds, '00080090'), ['Smith', '李']);
  assert.deepEqual(attributeValues(ds, '00080061'), ['CT', 'MR']);
  assert.deepEqual(attributeValues(ds, '00200013'), ['7']);
  assert.deepEqual(attributeValues(ds, '00081030'), []);
  assert.deepEqual(attributeValues(ds, '00100020'), []);
  assert.deepEqual(attributeValues(ds, '00081110'), []);
  assert.deepEqual(attributeValues(ds, '00080020'), []);
});

test('exact person names ignore case, accents, spacing and trailing separators', () => {
  check([
    [exact('PatientName', 'Doe^John'), ['DOE^JOHN'], true],
    [exact('PatientName', 'DOE^JOHN'), ['Doe^John^^'], true],
    [exact('PatientName', 'Müller'), ['MULLER'], true],
    [exact('PatientName', 'MULLER'), ['Müller'], true],
    [exact('PatientName', 'Doe^John'), ['Doe^Jane'], false],
    [exact('PatientName', 'Doe'), ['Doe^John'], false],
    [exact('PatientName', '山田^太郎'), ['Yamada^Tarou', '山田^太郎'], true],
    [exact('PatientName', 'Doe'), [], false],
  ]);
});

test('exact strings and codes ignore case but not accents', () => {
  check([
    [exact('StudyDescription', 'chest ct'), ['Chest CT'], true],
    [exact('StudyDescription', 'Chest CT'), ['Chest CT \0'], true],
    [exact('StudyDescription', 'Müller'), ['MÜLLER'], true],
    [exact('StudyDescription', 'Müller'), ['MULLER'], false],
    [exact('StudyDescription', 'MULLER'), ['Müller'], false],
    [exact('StudyDescription', 'Chest'), ['Chest CT'], false],
    [exact('Modality', 'ct'), ['CT'], true],
    [exact('ModalitiesInStudy', 'MR'), ['CT', 'MR'], true],
    [exact('ModalitiesInStudy', 'US'), ['CT', 'MR'], false],
  ]);
});

test('uidList: any listed UID, case-sensitive, padding ignored', () => {
  check([
    [uids('1.2.3'), ['1.2.3'], true],
    [uids('1.2.3', '1.2.4'), ['1.2.4'], true],
    [uids('1.2.3'), ['1.2.3\0'], true],
    [uids('1.2.3'), ['1.2.30'], false],
    [uids('1.2.ABC'), ['1.2.abc'], false],
    [uids('1.2.3'), [], false],
  ]);
});

test('dateRange: inclusive ends, open ends unbounded, ACR-NEMA dots accepted, junk never matches', () => {
  check([
    [dates('20240101', '20240101'), ['20240101'], true],
    [dates('20240101', '20240101'), ['20240102'], false],
    [dates('20240101', '20241231'), ['20240101'], true],
    [dates('20240101', '20241231'), ['20241231'], true],
    [dates('20240101', '20241231'), ['20231231'], false],
    [dates('20240101', '20241231'), ['20250101'], false],
    [dates('20240101', undefined), ['99991231'], true],
    [dates('20240101', undefined), ['20231231'], false],
    [dates(undefined, '20241231'), ['00010101'], true],
    [dates(undefined, '20241231'), ['20250101'], false],
    [dates('20240101', '20241231'), ['2024.06.15'], true],
    [dates('20240101', '20241231'), ['20240615 '], true],
    [dates(undefined, '20241231'), [''], false],
    [dates(undefined, '20241231'), ['2024'], false],
    [dates(undefined, '20241231'), ['ABCDEFGH'], false],
    [dates('20240101', undefined), ['bad', '20240301'], true],
    [dates('20240101', undefined), [], false],
  ]);
});

test('wildcards: * any run, ? one character, anchored, normalized like the attribute', () => {
  check([
    [wildcard('PatientName', 'Doe*'), ['Doe^John'], true],
    [wildcard('PatientName', 'doe*'), ['DOE^JOHN'], true],
    [wildcard('PatientName', '*John'), ['Doe^John'], true],
    [wildcard('PatientName', '*oh*'), ['Doe^John'], true],
    [wildcard('PatientName', 'Doe'), ['Doe^John'], false],
    [wildcard('PatientName', 'oe*'), ['Doe^John'], false],
    [wildcard('PatientName', 'D?e^John'), ['Doe^John'], true],
    [wildcard('PatientName', 'D?e^John'), ['De^John'], false],
    [wildcard('PatientName', 'D??^*'), ['Doe^John'], true],
    [wildcard('PatientName', 'M?ller*'), ['Müller^Hans'], true],
    [wildcard('PatientName', 'Mül*'), ['MULLER'], true],
    [wildcard('PatientName', 'Doe^J*'), ['Doe^John^^'], true],
    [wildcard('PatientName', 'Doe*'), ['Smith', 'Doe'], true],
    [wildcard('PatientName', 'a*b*c*d*e*f*g*h*i*j*k*z'), ['abcdefghijk'.repeat(30)], false],
    [wildcard('StudyDescription', 'Mül*'), ['MÜLLER'], true],
    [wildcard('StudyDescription', 'Mül*'), ['MULLER'], false],
    [wildcard('StudyDescription', 'MUL*'), ['Müller'], false],
    [wildcard('StudyDescription', 'chest*'), ['Chest CT'], true],
    [wildcard('StudyDescription', 'ch?st c?'), ['Chest CT'], true],
    [wildcard('StudyDescription', 'chest c?'), ['Chest CTA'], false],
    [wildcard('Modality', 'M?'), ['MR'], true],
    [wildcard('Modality', 'M?'), ['M'], false],
  ]);
});

test('wildcard patterns treat regex metacharacters as literal text', () => {
  check([
    [wildcard('AccessionNumber', 'a.b*'), ['A.B123'], true],
    [wildcard('AccessionNumber', 'a.b*'), ['AXB123'], false],
    [wildcard('AccessionNumber', '(x)+[y]*'), ['(X)+[Y]Z'], true],
    [wildcard('AccessionNumber', '(x)+[y]*'), ['XXY'], false],
    [wildcard('AccessionNumber', '^a$*'), ['^A$1'], true],
    [wildcard('AccessionNumber', 'a|b*'), ['B'], false],
    [wildcard('AccessionNumber', '\\d*'), ['\\D1'], true],
    [wildcard('AccessionNumber', '\\d*'), ['1'], false],
  ]);
});

test('a pattern of only * is universal, even with no values', () => {
  check([
    [wildcard('PatientName', '*'), [], true],
    [wildcard('PatientName', '*'), [''], true],
    [wildcard('StudyDescription', '*'), ['anything'], true],
    [wildcard('StudyDescription', '**'), [], true],
    [wildcard('StudyDescription', '*?'), [], false],
    [wildcard('StudyDescription', '*?'), [''], false],
    [wildcard('StudyDescription', '*?'), ['x'], true],
    [wildcard('StudyDescription', 'a*'), [], false],
  ]);
});

test('fuzzy names: every word starts some part of the name', () => {
  const johnDoe = ['John^Doe'];
  check([
    [fuzzy(['JOH']), johnDoe, true],
    [fuzzy(['DO']), johnDoe, true],
    [fuzzy(['JO', 'DO']), johnDoe, true],
    [fuzzy(['DOE']), johnDoe, true],
    [fuzzy(['JOHN', 'DOE']), johnDoe, true],
    [fuzzy(['DOE', 'JOHN']), johnDoe, true],
    [fuzzy(['OHN']), johnDoe, false],
    [fuzzy(['JOHN', 'SMITH']), johnDoe, false],
    [fuzzy(['JOHNNY']), johnDoe, false],
    [fuzzy(['MUL']), ['Müller^Hans'], true],
    [fuzzy(['BERG']), ['van der Berg^Anna'], true],
    [fuzzy(['山田']), ['Yamada^Tarou', '山田^太郎'], true],
    [fuzzy(['TAR']), ['Yamada^Tarou=山田^太郎'], true],
    [fuzzy(['JOH']), [], false],
  ]);
});

test('literalRuns: prefix before the first wildcard, longest literal run (first on ties)', () => {
  const cases: [string, string, string][] = [
    ['SMI*TH', 'SMI', 'SMI'],
    ['*SMITH*', '', 'SMITH'],
    ['*', '', ''],
    ['SMITH', 'SMITH', 'SMITH'],
    ['AB?CDE*F', 'AB', 'CDE'],
    ['?ABC', '', 'ABC'],
    ['AB*CD', 'AB', 'AB'],
    ['A*BC*DE', 'A', 'BC'],
    ['**', '', ''],
  ];
  for (const [pattern, prefix, longest] of cases) {
    assert.deepEqual(literalRuns(pattern), { prefix, longest }, pattern);
  }
});
