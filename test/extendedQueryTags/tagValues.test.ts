// What an extended query tag indexes of a dataset and how query values compare with it (pure).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { parseTagFilter, storedValueMatches } from '../../shared/extendedQueryTags/tagFilter';
import type { ExtendedQueryTag, SupportedVr } from '../../shared/extendedQueryTags/tagModel';
import { dateTimeKey, extractTagValue, keyOf, timeKey } from '../../shared/extendedQueryTags/tagValues';
import { parseAddRequest, validateNewTags } from '../../shared/extendedQueryTags/tagValidation';

function tag(path: string, vr: SupportedVr, extra: Partial<ExtendedQueryTag> = {}): ExtendedQueryTag {
  return {
    path,
    vr,
    level: 'instance',
    status: 'ready',
    queryStatus: 'enabled',
    errorCount: 0,
    generation: '00000001',
    createdTime: new Date(0),
    ...extra,
  };
}

test('the first value only, nothing for absent, empty or null values, the Alphabetic group of a PN', () => {
  const ds: DicomJsonDataset = {
    '00081010': { vr: 'SH', Value: ['One', 'Two'] },
    '00081030': { vr: 'LO', Value: [null] },
    '00081050': { vr: 'PN', Value: [{ Alphabetic: 'Doe^Jane', Ideographic: '山田' }] },
    '00180050': { vr: 'DS', Value: [2.5] },
    '00081040': { vr: 'LO', Value: ['  '] },
  };
  const value = (t: ExtendedQueryTag) => {
    const outcome = extractTagValue(ds, t);
    return outcome.kind === 'value' ? outcome.value : outcome.kind;
  };
  assert.deepEqual(value(tag('00081010', 'SH')), { stored: 'One', key: 'ONE', words: [] });
  assert.equal(value(tag('00081030', 'LO')), 'none');
  assert.equal(value(tag('00081040', 'LO')), 'none');
  assert.equal(value(tag('00200011', 'IS')), 'none');
  assert.deepEqual(value(tag('00081050', 'PN')), { stored: 'Doe^Jane', key: 'DOE^JANE', words: ['DOE', 'JANE'] });
  assert.deepEqual(value(tag('00180050', 'DS')), { stored: '2.5', key: '2.5', words: [] });
});

test('a private tag is indexed only under its private creator', () => {
  const ds: DicomJsonDataset = {
    '00090010': { vr: 'LO', Value: ['ACME 1.0'] },
    '00091001': { vr: 'LO', Value: ['Secret'] },
  };
  assert.equal(extractTagValue(ds, tag('00091001', 'LO', { privateCreator: 'ACME 1.0' })).kind, 'value');
  assert.equal(extractTagValue(ds, tag('00091001', 'LO', { privateCreator: 'OTHER' })).kind, 'none');
});

test('invalid values and VRs that differ from the file are errors, with Azure-like messages', () => {
  const ds: DicomJsonDataset = {
    '00080023': { vr: 'DA', Value: ['20241345'] },
    '00081010': { vr: 'LO', Value: ['Station'] },
    '00101010': { vr: 'AS', Value: ['045YY'] },
  };
  const message = (t: ExtendedQueryTag) => {
    const outcome = extractTagValue(ds, t);
    return outcome.kind === 'invalid' ? outcome.message : outcome.kind;
  };
  assert.equal(
    message(tag('00080023', 'DA')),
    "Dicom element '00080023' with value '20241345' failed validation for VR 'DA': Value cannot be parsed as a valid date.",
  );
  assert.equal(
    message(tag('00081010', 'SH')),
    "The extended query tag '00081010' is expected to have VR 'SH' but has 'LO' in file.",
  );
  assert.match(message(tag('00101010', 'AS')), /Value length exceeds maximum length of 4\./);
});

test('keys: canonical numbers, fixed-width dates, times and date-times', () => {
  assert.equal(keyOf('DS', '1.50'), '1.5');
  assert.equal(keyOf('DS', ' +1e1 '), '10');
  assert.equal(keyOf('IS', '0042'), '42');
  assert.deepEqual(keyOf('IS', '4.2'), { why: 'Value is not a valid integer.' });
  assert.equal(keyOf('SL', '9223372036854775807'), '9223372036854775807');
  assert.equal(typeof keyOf('SL', '9223372036854775808'), 'object');
  assert.equal(keyOf('DA', '2024.02.29'), '20240229');
  assert.equal(typeof keyOf('DA', '20230229'), 'object');
  assert.equal(timeKey('1030'), '103000.000000');
  assert.equal(timeKey('10:30:15.25'), '103015.250000');
  assert.equal(timeKey('2500'), undefined);
  assert.equal(dateTimeKey('2024'), '20240101000000.000000');
  assert.equal(dateTimeKey('20240102103000.5+0100'), '20240102103000.500000');
  assert.equal(dateTimeKey('20241302'), undefined);
  assert.deepEqual(keyOf('CS', 'ab\\c'), { why: 'Value contains invalid character.' });
});

test('query filters: ranges include the whole precision of their upper end; fuzzy names match word prefixes', () => {
  const da = parseTagFilter('instances', tag('00080022', 'DA'), 'AcquisitionDate', '20240102-20240103', false);
  assert.ok(storedValueMatches(da, '20240103'));
  assert.ok(!storedValueMatches(da, '20240104'));
  const dt = parseTagFilter('instances', tag('0008002A', 'DT'), 'dt', '20240102-20240102', false);
  assert.ok(storedValueMatches(dt, '20240102235959'));
  assert.ok(!storedValueMatches(dt, '20240103'));
  const dtOffset = parseTagFilter('instances', tag('0008002A', 'DT'), 'dt', '20240102+0100-20240103', false);
  assert.deepEqual(dtOffset.condition, { kind: 'range', from: '20240102', to: '20240103' });
  const tm = parseTagFilter('instances', tag('00080032', 'TM'), 'tm', '-10:30', false);
  assert.ok(storedValueMatches(tm, '103059'));
  assert.ok(!storedValueMatches(tm, '103100'));
  const pn = parseTagFilter('instances', tag('00081050', 'PN'), 'pn', 'jan do', true);
  assert.ok(storedValueMatches(pn, 'Doe^Jane'));
  assert.ok(!storedValueMatches(pn, 'Doe^John'));
  assert.throws(
    () => parseTagFilter('instances', tag('00080022', 'DA'), 'd', '20240103-20240102', false),
    /is invalid/,
  );
  assert.throws(
    () => parseTagFilter('studies', tag('00080022', 'DA'), 'AcquisitionDate', '20240102', false),
    /AttributeId AcquisitionDate is not queryable/,
  );
  assert.throws(
    () => parseTagFilter('instances', tag('00080022', 'DA', { status: 'adding' }), 'a', '20240102', false),
    /is not queryable/,
  );
});

test('POST entries: normalization (8-hex path, dictionary VR, case-insensitive level and property names; keywords keep their case)', () => {
  const tags = validateNewTags(
    parseAddRequest([
      { PATH: 'PatientAge', Level: 'STUDY' },
      { path: '0009ab01', vr: 'lo', privateCreator: 'Me', level: 'instance' },
      { path: '00090010', level: 'series' },
      { path: 'PatientSize', vr: '', privateCreator: '', level: 'Study' },
    ]),
  );
  assert.deepEqual(tags, [
    { path: '00101010', vr: 'AS', level: 'study' },
    { path: '0009AB01', vr: 'LO', privateCreator: 'Me', level: 'instance' },
    { path: '00090010', vr: 'LO', level: 'series' },
    { path: '00101020', vr: 'DS', level: 'study' },
  ]);
  assert.throws(() => validateNewTags(parseAddRequest([{ path: 'patientage', level: 'Study' }])), /cannot be parsed/);
});

test('a POST adds at most 99 tags (one storage transaction), after the 128-tag check', () => {
  const tags = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ path: `0009${(0x1000 + i).toString(16)}`, level: 'Study' }));
  assert.equal(parseAddRequest(tags(99)).length, 99);
  assert.throws(() => parseAddRequest(tags(100)), /at most 99 extended query tags/);
  assert.throws(() => parseAddRequest(tags(129)), /exceeds max allowed count '128'/);
});
