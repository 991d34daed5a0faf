import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from '../../shared/errors';
import { MAX_OFFSET, MAX_UIDS_PER_LIST, parseSearchQuery } from '../../shared/search/queryParser';
import type { SearchResource } from '../../shared/search/searchableAttributes';
import type { Filter, SearchQuery } from '../../shared/search/searchQuery';

function parse(query: string, resource: SearchResource = 'studies'): SearchQuery {
  return parseSearchQuery(resource, new URLSearchParams(query), {});
}

function onlyFilter(query: string, resource: SearchResource = 'studies'): Filter {
  const { filters } = parse(query, resource);
  assert.equal(filters.length, 1, query);
  const [filter] = filters;
  assert.ok(filter);
  return filter;
}

/** The filter without its attribute, plus the attribute's keyword: easy to compare. */
function summary(filter: Filter): Record<string, unknown> {
  const { attribute, ...rest } = filter;
  return { keyword: attribute.keyword, ...rest };
}

/** Asserts a 400 whose message names `parameter` (and includes `fragment` when given). */
function assertRejected(query: string, parameter: string, fragment?: string, resource: SearchResource = 'studies') {
  assert.throws(
    () => parse(query, resource),
    (err: unknown) => {
      assert.ok(err instanceof BadRequestError, `${query}: ${String(err)}`);
      assert.equal(err.status, 400);
      assert.ok(err.message.includes(`'${parameter}'`), `${query}: ${err.message}`);
      if (fragment !== undefined) assert.ok(err.message.includes(fragment), `${query}: ${err.message}`);
      return true;
    },
    query,
  );
}

test('no parameters: defaults, no filters', () => {
  const q = parse('');
  assert.equal(q.resource, 'studies');
  assert.deepEqual(q.filters, []);
  assert.equal(q.limit, 100);
  assert.equal(q.offset, 0);
  assert.ok(q.includeFields instanceof Set);
  assert.equal(q.includeFields.size, 0);
  assert.equal('studyInstanceUid' in q, false);
  assert.equal('seriesInstanceUid' in q, false);
});

test('limit, offset and fuzzymatching are read case-insensitively', () => {
  const q = parse('LIMIT=5&Offset=20&FuzzyMatching=TRUE&PatientName=doe');
  assert.equal(q.limit, 5);
  assert.equal(q.offset, 20);
  assert.equal(q.filters[0]?.kind, 'fuzzyName');
  assert.equal(parse('limit=1').limit, 1);
  assert.equal(parse('limit=200').limit, 200);
  assert.equal(parse('limit=007').limit, 7);
  assert.equal(parse('offset=0').offset, 0);
  assert.equal(parse(`offset=${MAX_OFFSET}`).offset, MAX_OFFSET);
});

test('bad limit, offset and fuzzymatching values are refused, naming the parameter', () => {
  const cases: [string, string][] = [
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=', 'limit'],
    ['limit=+5', 'limit'],
    ['Limit=1e2', 'Limit'],
    ['offset=-1', 'offset'],
    ['offset=1.5', 'offset'],
    ['offset=x', 'offset'],
    ['offset=', 'offset'],
    ['fuzzymatching=yes', 'fuzzymatching'],
    ['fuzzymatching=1', 'fuzzymatching'],
    ['fuzzymatching=', 'fuzzymatching'],
  ];
  for (const [query, parameter] of cases) assertRejected(query, parameter, 'invalid value');
});

test('an offset above the maximum is refused with the limit in the message', () => {
  assertRejected(`offset=${MAX_OFFSET + 1}`, 'offset', `at most ${MAX_OFFSET}`);
  assertRejected('offset=1000000000', 'offset', `at most ${MAX_OFFSET}`);
  assertRejected('offset=99999999999999999999', 'offset', `at most ${MAX_OFFSET}`);
});

test('a reserved parameter given twice is refused; includefield may repeat', () => {
  assertRejected('limit=5&limit=5', 'limit');
  assertRejected('limit=5&LIMIT=6', 'LIMIT');
  assertRejected('offset=1&offset=2', 'offset');
  assertRejected('fuzzymatching=true&fuzzymatching=false', 'fuzzymatching');
  const q = parse('includefield=StudyTime&includefield=00280010');
  assert.deepEqual(q.includeFields, new Set(['00080030', '00280010']));
});

test('includefield: keywords, tags in any case, comma lists, and all', () => {
  const cases: [string, 'all' | string[]][] = [
    ['includefield=StudyTime', ['00080030']],
    ['includefield=00280010,0028001a', ['00280010', '0028001A']],
    ['includefield=StudyTime, Rows', ['00080030', '00280010']],
    ['IncludeField=NumberOfStudyRelatedInstances&includefield=00091001', ['00201208', '00091001']],
    ['includefield=all', 'all'],
    ['includefield=ALL', 'all'],
    ['includefield=StudyTime,all', 'all'],
    ['includefield=StudyTime&includefield=all', 'all'],
  ];
  for (const [query, expected] of cases) {
    const fields = parse(query).includeFields;
    if (expected === 'all') assert.equal(fields, 'all', query);
    else assert.deepEqual(fields, new Set(expected), query);
  }
});

test('includefield with an unknown keyword or a malformed tag is refused', () => {
  for (const query of [
    'includefield=NotAKeyword',
    'includefield=studytime',
    'includefield=0028001',
    'includefield=002800100',
    'includefield=0028001G',
    'includefield=(0028,0010)',
    'includefield=StudyTime,',
    'includefield=',
  ]) {
    assertRejected(query, 'includefield', 'invalid value');
  }
});

test('attributes by keyword or tag (any case) become filters of the right kind', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['PatientName=Doe^John', { keyword: 'PatientName', kind: 'exact', value: 'Doe^John' }],
    ['00100010=Doe', { keyword: 'PatientName', kind: 'exact', value: 'Doe' }],
    ['PatientID=%20%20abc%00%00', { keyword: 'PatientID', kind: 'exact', value: 'abc' }],
    ['PatientID=ab*', { keyword: 'PatientID', kind: 'wildcard', pattern: 'ab*' }],
    ['StudyDescription=Chest%3FCT', { keyword: 'StudyDescription', kind: 'wildcard', pattern: 'Chest?CT' }],
    ['AccessionNumber=a.b*', { keyword: 'AccessionNumber', kind: 'wildcard', pattern: 'a.b*' }],
    ['ModalitiesInStudy=CT', { keyword: 'ModalitiesInStudy', kind: 'exact', value: 'CT' }],
    ['00080061=M*', { keyword: 'ModalitiesInStudy', kind: 'wildcard', pattern: 'M*' }],
    ['ReferringPhysicianName=Sm?th', { keyword: 'ReferringPhysicianName', kind: 'wildcard', pattern: 'Sm?th' }],
    ['0020000d=1.2.3', { keyword: 'StudyInstanceUID', kind: 'uidList', values: ['1.2.3'] }],
    ['StudyDate=20240131', { keyword: 'StudyDate', kind: 'dateRange', from: '20240131', to: '20240131' }],
  ];
  for (const [query, expected] of cases) assert.deepEqual(summary(onlyFilter(query)), expected, query);
});

test('several attributes give one filter each, in URL order', () => {
  const q = parse('PatientID=1&StudyDate=20240101-&Modality=CT&limit=10', 'series');
  assert.deepEqual(
    q.filters.map((f) => f.attribute.keyword),
    ['PatientID', 'StudyDate', 'Modality'],
  );
  assert.equal(q.limit, 10);
});

test('unknown names are refused as unknown query parameters', () => {
  for (const name of ['foo', 'patientname', 'PATIENTNAME', '0010001', '0010001G', 'count']) {
    assertRejected(`${name}=x`, name, 'nknown query parameter');
  }
});

test('known attributes that are not searchable on the resource are refused', () => {
  const cases: [string, string, SearchResource][] = [
    ['Rows=512', 'Rows', 'instances'],
    ['00280010=512', '00280010', 'instances'],
    ['00091001=x', '00091001', 'studies'],
    ['Modality=CT', 'Modality', 'studies'],
    ['SeriesInstanceUID=1.2', 'SeriesInstanceUID', 'studies'],
    ['SOPInstanceUID=1.2', 'SOPInstanceUID', 'series'],
    ['SOPInstanceUID=1.2', 'SOPInstanceUID', 'studySeries'],
    ['StudyInstanceUID=1.2', 'StudyInstanceUID', 'studySeries'],
    ['Modality=CT', 'Modality', 'studySeriesInstances'],
  ];
  for (const [query, parameter, resource] of cases) {
    assertRejected(query, parameter, 'not supported for searching', resource);
  }
});

test('scoped resources accept their attributes and carry the path UIDs', () => {
  const q = parseSearchQuery('studySeriesInstances', new URLSearchParams('SOPInstanceUID=1.2.3'), {
    studyInstanceUid: '1.2',
    seriesInstanceUid: '1.2.5',
  });
  assert.equal(q.studyInstanceUid, '1.2');
  assert.equal(q.seriesInstanceUid, '1.2.5');
  assert.equal(q.filters[0]?.attribute.keyword, 'SOPInstanceUID');
  const s = parseSearchQuery('studySeries', new URLSearchParams('Modality=MR'), { studyInstanceUid: '1.2' });
  assert.equal(s.studyInstanceUid, '1.2');
  assert.equal('seriesInstanceUid' in s, false);
});

test('the same attribute twice, by name or by keyword and tag, is refused', () => {
  assertRejected('PatientName=a&PatientName=b', 'PatientName', 'twice');
  assertRejected('PatientName=a&00100010=b', '00100010', 'PatientName');
  assertRejected('00100010=a&00100010=b', '00100010');
  assertRejected('00100010=a&00100010=a', '00100010');
});

test('empty values (after trimming spaces and NULs) are refused', () => {
  for (const query of ['PatientName=', 'PatientName=%20%20', 'PatientName=%00', 'StudyDate=', 'Modality=%20']) {
    const name = query.slice(0, query.indexOf('='));
    assertRejected(query, name, 'invalid value', name === 'Modality' ? 'series' : 'studies');
  }
});

test('UID lists split on comma and backslash, trimmed, always a uidList', () => {
  const cases: [string, string[]][] = [
    ['1.2.3', ['1.2.3']],
    ['1.2.3,1.2.4', ['1.2.3', '1.2.4']],
    ['1.2.3%5C1.2.4', ['1.2.3', '1.2.4']],
    ['1.2.3, 1.2.4\\ 1.2.5', ['1.2.3', '1.2.4', '1.2.5']],
    ['1.2.3,1.2.3', ['1.2.3']],
    ['1.2.ABC-x', ['1.2.ABC-x']],
  ];
  for (const [value, expected] of cases) {
    const filter = onlyFilter(`StudyInstanceUID=${value}`);
    assert.equal(filter.kind, 'uidList', value);
    if (filter.kind === 'uidList') assert.deepEqual(filter.values, expected, value);
  }
});

test('bad UIDs and wildcards in UIDs are refused', () => {
  for (const value of ['1.2.*', '1.2.?', '*', '1.2,,1.3', '1.2,', '1_2', '1.2 3', 'x'.repeat(65)]) {
    assertRejected(`StudyInstanceUID=${encodeURIComponent(value)}`, 'StudyInstanceUID', 'invalid value');
  }
  assertRejected('0020000D=1.2.*', '0020000D', 'wildcard');
});

/** `count` distinct UIDs of the longest allowed kind (64 characters). */
function longUids(count: number): string[] {
  const UID_LENGTH = 64;
  return Array.from({ length: count }, (_, i) => {
    const prefix = `1.2.${i + 1}.`;
    return prefix + '9'.repeat(UID_LENGTH - prefix.length);
  });
}

test(`UID lists: up to ${MAX_UIDS_PER_LIST} UIDs per parameter, on every UID attribute`, () => {
  const cases: [string, SearchResource][] = [
    ['StudyInstanceUID', 'studies'],
    ['SeriesInstanceUID', 'series'],
    ['SOPInstanceUID', 'instances'],
  ];
  for (const [keyword, resource] of cases) {
    const filter = onlyFilter(`${keyword}=${longUids(MAX_UIDS_PER_LIST).join(',')}`, resource);
    assert.equal(filter.kind === 'uidList' && filter.values.length, MAX_UIDS_PER_LIST, keyword);
    for (const separator of [',', '%5C']) {
      const query = `${keyword}=${longUids(MAX_UIDS_PER_LIST + 1).join(separator)}`;
      assertRejected(query, keyword, `lists ${MAX_UIDS_PER_LIST + 1} UIDs; at most ${MAX_UIDS_PER_LIST}`, resource);
      assertRejected(query, keyword, 'Split the query into several requests', resource);
    }
  }
  // Counted as given, repeats included: the limit is about the length of the request line.
  assertRejected(
    `StudyInstanceUID=${Array(MAX_UIDS_PER_LIST + 1)
      .fill('1.2.3')
      .join(',')}`,
    'StudyInstanceUID',
  );
});

test('a full UID list stays under the 8 KB request line the Functions host accepts', () => {
  const requestLineLimit = 8 * 1024;
  const query = new URLSearchParams({ SOPInstanceUID: longUids(MAX_UIDS_PER_LIST).join(',') });
  const requestLine = `GET /v2/studies/${longUids(1)[0]}/series/${longUids(1)[0]}/instances?${query} HTTP/1.1`;
  assert.ok(requestLine.length < requestLineLimit, `${requestLine.length} bytes`);
});

test('dates: exact, closed and open ranges', () => {
  const cases: [string, string | undefined, string | undefined][] = [
    ['20240131', '20240131', '20240131'],
    ['20240101-20241231', '20240101', '20241231'],
    ['20240101-20240101', '20240101', '20240101'],
    ['20240101-', '20240101', undefined],
    ['-20241231', undefined, '20241231'],
    ['20240229', '20240229', '20240229'],
    ['20000229', '20000229', '20000229'],
    [' 20240131 ', '20240131', '20240131'],
  ];
  for (const [value, from, to] of cases) {
    const filter = onlyFilter(`PatientBirthDate=${encodeURIComponent(value)}`);
    assert.deepEqual(summary(filter), { keyword: 'PatientBirthDate', kind: 'dateRange', from, to }, value);
  }
});

test('bad dates and ranges are refused', () => {
  for (const value of [
    '2024-01-01',
    '20230230',
    '20230229',
    '19000229',
    '20241301',
    '20240001',
    '20240100',
    '20240132',
    '2024013',
    '202401311',
    '2024.01.31',
    '-',
    '20241231-20240101',
    '2024*',
    '2024013?',
    'abcdefgh',
    '20240101--20240102',
  ]) {
    assertRejected(`StudyDate=${encodeURIComponent(value)}`, 'StudyDate', 'invalid value');
  }
  assertRejected('StudyDate=2024-01-01', 'StudyDate', "invalid value '2024-01-01'");
  assertRejected('00080020=20241231-20240101', '00080020', 'invalid value');
});

test('person names: wildcard wins over fuzzy; fuzzy splits words and normalizes them', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['PatientName=Doe*', { keyword: 'PatientName', kind: 'wildcard', pattern: 'Doe*' }],
    ['fuzzymatching=true&PatientName=Doe*', { keyword: 'PatientName', kind: 'wildcard', pattern: 'Doe*' }],
    [
      'fuzzymatching=true&PatientName=John%20Doe',
      { keyword: 'PatientName', kind: 'fuzzyName', words: ['JOHN', 'DOE'] },
    ],
    [
      'PatientName=jo%20m%C3%BCl&fuzzymatching=true',
      { keyword: 'PatientName', kind: 'fuzzyName', words: ['JO', 'MUL'] },
    ],
    [
      'fuzzymatching=true&PatientName=Doe^John^^',
      { keyword: 'PatientName', kind: 'fuzzyName', words: ['DOE', 'JOHN'] },
    ],
    [
      'fuzzymatching=true&ReferringPhysicianName=smith',
      { keyword: 'ReferringPhysicianName', kind: 'fuzzyName', words: ['SMITH'] },
    ],
    ['fuzzymatching=false&PatientName=John%20Doe', { keyword: 'PatientName', kind: 'exact', value: 'John Doe' }],
    ['fuzzymatching=true&PatientID=abc', { keyword: 'PatientID', kind: 'exact', value: 'abc' }],
  ];
  for (const [query, expected] of cases) assert.deepEqual(summary(onlyFilter(query)), expected, query);
});

test('a fuzzy name with no words is refused', () => {
  assertRejected('fuzzymatching=true&PatientName=%5E%5E', 'PatientName', 'invalid value');
});

test('a wildcard pattern over 64 characters is a 400 that states the limit', () => {
  const ok = parseSearchQuery('studies', new URLSearchParams({ PatientName: `${'a'.repeat(63)}*` }), {});
  assert.equal(ok.filters.length, 1);
  assert.throws(
    () => parseSearchQuery('studies', new URLSearchParams({ StudyDescription: `*${'a'.repeat(64)}*` }), {}),
    /at most 64 characters/,
  );
});
