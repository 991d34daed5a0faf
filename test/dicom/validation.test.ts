import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DicomJsonDataset } from '../../shared/dicom/dicomJson';
import { isAddressableUid, isUidGrammar, isValidUid } from '../../shared/dicom/uid';
import { validateInstance } from '../../shared/dicom/validation';
import { makeDicom } from '../support/dicomFactory';
import { parse } from './parseHelpers';

function valid(): DicomJsonDataset {
  return {
    '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
    '00080018': { vr: 'UI', Value: ['1.2.3.3'] },
    '00100020': { vr: 'LO', Value: ['PID-1'] },
    '0020000D': { vr: 'UI', Value: ['1.2.3.1'] },
    '0020000E': { vr: 'UI', Value: ['1.2.3.2'] },
  };
}

function withElement(tag: string, vr: string, ...values: unknown[]): DicomJsonDataset {
  return { ...valid(), [tag]: values.length ? { vr, Value: values as never[] } : { vr } };
}

describe('isValidUid', () => {
  const cases: [string, boolean][] = [
    ['1.2.840.10008.1.2', true],
    ['2.25.329800735698586629295641978511506172918', true],
    ['d09e8215-e1e1-4c7a-8496-b4f6641ed232', true],
    ['a'.repeat(64), true],
    ['a'.repeat(65), false],
    ['', false],
    ['1.2.3 ', false],
    ['1.2/3', false],
    ['1.2_3', false],
    // Empty components: these once resolved into other blob paths.
    ['.', false],
    ['..', false],
    ['1..2', false],
    ['.1.2', false],
    ['1.2.', false],
  ];
  for (const [uid, ok] of cases)
    test(`${JSON.stringify(uid.length > 20 ? `${uid.slice(0, 20)}…` : uid)} → ${ok}`, () =>
      assert.equal(isValidUid(uid), ok));
});

describe('isAddressableUid (paths and queries)', () => {
  test('takes what an earlier version stored, but never a dot segment', () => {
    for (const uid of ['1.2.3', '1..2', '1.2.', '...', 'a-b']) assert.equal(isAddressableUid(uid), true, uid);
    for (const uid of ['.', '..', '', '1/2', '1.2%2F', 'x'.repeat(65)]) assert.equal(isAddressableUid(uid), false, uid);
  });
});

describe('isUidGrammar (PS3.5 9.1, for UIDs written into headers)', () => {
  test('digits and single dots, no leading zeros, at most 64 characters', () => {
    for (const uid of ['1.2.840.10008.1.2.1', '0.1', '2.25.0']) assert.equal(isUidGrammar(uid), true, uid);
    for (const uid of ['1.2.840.10008.1.2.1\r\nX-Injected: 1', '1.02', 'a.1', '1..2', '', '1.' + '2'.repeat(63)]) {
      assert.equal(isUidGrammar(uid), false, uid);
    }
  });
});

describe('required attributes', () => {
  test('a complete instance passes, in both API versions', () => {
    for (const v of ['v1', 'v2'] as const)
      assert.deepEqual(validateInstance(valid(), v), { requiredFailures: [], attributeFailures: [] });
  });

  test('a parsed instance from the test factory passes', () => {
    const result = validateInstance(parse(makeDicom()).dataset, 'v2');
    assert.deepEqual(result, { requiredFailures: [], attributeFailures: [] });
  });

  test('each missing identifier is reported', () => {
    for (const [tag, name] of [
      ['0020000D', 'StudyInstanceUID'],
      ['0020000E', 'SeriesInstanceUID'],
      ['00080018', 'SOPInstanceUID'],
      ['00080016', 'SOPClassUID'],
      ['00100020', 'PatientID'],
    ] as const) {
      const ds = valid();
      delete ds[tag];
      const failures = validateInstance(ds, 'v2').requiredFailures;
      assert.equal(failures.length, 1, name);
      assert.match(
        failures[0] ?? '',
        new RegExp(
          `^DICOM100: \\(${tag.slice(0, 4)},${tag.slice(4).toLowerCase()}\\) - The required attribute ${name} is missing$`,
        ),
      );
    }
  });

  test('an empty UID counts as missing', () => {
    assert.equal(validateInstance(withElement('0020000D', 'UI'), 'v2').requiredFailures.length, 1);
  });

  test('malformed and multi-valued UIDs', () => {
    const bad = validateInstance(withElement('0020000E', 'UI', '1.2.3_4'), 'v2').requiredFailures;
    assert.deepEqual(bad, [
      `DICOM100: (0020,000e) - Content "1.2.3_4" does not validate VR UI: a UID has 1 to 64 characters: letters, digits, '-' and single dots between components`,
    ]);
    const dots = validateInstance(withElement('0020000D', 'UI', '..'), 'v2').requiredFailures;
    assert.match(dots[0] ?? '', /Content "\.\." does not validate VR UI/);
    const many = validateInstance(withElement('00080018', 'UI', '1.2', '1.3'), 'v2').requiredFailures;
    assert.match(many[0] ?? '', /Content "1\.2\\1\.3" does not validate VR UI: a single UID is required/);
  });

  test('an empty Patient ID is accepted in v2 only', () => {
    assert.deepEqual(validateInstance(withElement('00100020', 'LO'), 'v2').requiredFailures, []);
    assert.match(
      validateInstance(withElement('00100020', 'LO'), 'v1').requiredFailures[0] ?? '',
      /PatientID is missing/,
    );
  });

  test('Patient ID must be a valid LO', () => {
    assert.match(
      validateInstance(withElement('00100020', 'LO', 'x'.repeat(65)), 'v2').requiredFailures[0] ?? '',
      /^DICOM100: \(0010,0020\) - Content "x{65}" does not validate VR LO: value length exceeds the maximum length of 64$/,
    );
    assert.match(
      validateInstance(withElement('00100020', 'LO', 'a\nb'), 'v2').requiredFailures[0] ?? '',
      /control characters/,
    );
    assert.match(
      validateInstance(withElement('00100020', 'LO', 'a', 'b'), 'v2').requiredFailures[0] ?? '',
      /only one value/,
    );
    assert.deepEqual(
      validateInstance(withElement('00100020', 'LO', 'ID1\0'), 'v2').requiredFailures,
      [],
      'NUL padding is fine',
    );
  });
});

describe('searchable attributes', () => {
  const cases: [string, string, unknown, RegExp | undefined][] = [
    ['00080020', 'DA', '20240229', undefined],
    ['00080020', 'DA', 'NotAValidDate', /does not match the pattern YYYYMMDD/],
    ['00080020', 'DA', '20230229', /YYYYMMDD/],
    ['00100030', 'DA', '19001301', /YYYYMMDD/],
    ['00400244', 'DA', '2024-01-01', /YYYYMMDD/],
    ['00080060', 'CS', 'CT', undefined],
    ['00080060', 'CS', 'ct', /invalid characters/],
    ['00080060', 'CS', 'A'.repeat(17), /maximum length of 16/],
    ['00080050', 'SH', 'ACC_1', undefined],
    ['00080050', 'SH', 'x'.repeat(17), /maximum length of 16/],
    ['00081030', 'LO', 'Étude', undefined],
    ['00081030', 'LO', 'tab\there', /control characters/],
    ['00081090', 'LO', 'y'.repeat(65), /maximum length of 64/],
    ['00100010', 'PN', { Alphabetic: 'Doe^Jane', Ideographic: '山田^太郎' }, undefined],
    ['00100010', 'PN', { Alphabetic: 'a^b^c^d^e^f' }, /more than 5 name components/],
    ['00080090', 'PN', { Phonetic: 'z'.repeat(65) }, /maximum length of 64/],
  ];
  for (const [tag, vr, value, failure] of cases) {
    test(`${tag} ${vr} ${JSON.stringify(value).slice(0, 40)}`, () => {
      const result = validateInstance(withElement(tag, vr, value), 'v2');
      assert.deepEqual(result.requiredFailures, []);
      if (!failure) {
        assert.deepEqual(result.attributeFailures, []);
        return;
      }
      assert.equal(result.attributeFailures.length, 1);
      assert.equal(result.attributeFailures[0]?.tag, tag);
      assert.match(result.attributeFailures[0]?.message ?? '', failure);
    });
  }

  test('the message has the Azure service form', () => {
    const result = validateInstance(withElement('00080020', 'DA', 'NotAValidDate'), 'v1');
    assert.deepEqual(result.attributeFailures, [
      {
        tag: '00080020',
        message:
          'DICOM100: (0008,0020) - Content "NotAValidDate" does not validate VR DA: one of the date values does not match the pattern YYYYMMDD',
      },
    ]);
  });

  test('one failure per attribute, and several attributes reported', () => {
    const ds = { ...withElement('00080020', 'DA', 'bad', 'worse'), '00080060': { vr: 'CS', Value: ['mr'] } };
    assert.deepEqual(
      validateInstance(ds, 'v2').attributeFailures.map((f) => f.tag),
      ['00080020', '00080060'],
    );
  });

  test('empty values are valid; a wrong VR is reported', () => {
    assert.deepEqual(validateInstance(withElement('00080020', 'DA'), 'v2').attributeFailures, []);
    assert.match(
      validateInstance(withElement('00080020', 'LO', '20240101'), 'v2').attributeFailures[0]?.message ?? '',
      /VR LO is not the expected DA/,
    );
  });
});
