import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultCharset, resolveCharset } from '../../shared/dicom/charset';
import type { DicomJsonElement } from '../../shared/dicom/dicomJson';
import { decodeValue } from '../../shared/dicom/valueDecoder';
import { TS, buildPart10, type El } from './part10Builder';
import { parse } from './parseHelpers';

function decode(vr: string, bytes: Buffer | string, le = true, warnings: string[] = []): DicomJsonElement {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  return decodeValue('00091001', vr, b, le, defaultCharset, warnings);
}

describe('string VRs', () => {
  const cases: [string, string, unknown[]][] = [
    ['AE', 'STORESCP  ', ['STORESCP']],
    ['AS', '044Y', ['044Y']],
    ['CS', 'ORIGINAL\\PRIMARY\\AXIAL ', ['ORIGINAL', 'PRIMARY', 'AXIAL']],
    ['DA', '20240131', ['20240131']],
    ['DT', '20240131101530.123456+0100 ', ['20240131101530.123456+0100']],
    ['TM', '101530.123', ['101530.123']],
    ['SH', 'short  ', ['short']],
    ['LO', '  leading kept\\two', ['  leading kept', 'two']],
    ['UC', 'a\\b', ['a', 'b']],
    ['UI', '1.2.840.10008.1.2\0', ['1.2.840.10008.1.2']],
    ['ST', 'one \\ value  ', ['one \\ value']],
    ['LT', 'line\r\nline\\', ['line\r\nline\\']],
    ['UT', 'unlimited \\ text ', ['unlimited \\ text']],
    ['UR', 'http://example.com/a\\b ', ['http://example.com/a\\b']],
  ];
  for (const [vr, raw, expected] of cases) {
    test(`${vr} ${JSON.stringify(raw)}`, () => {
      assert.deepEqual(decode(vr, raw), { vr, Value: expected });
    });
  }

  test('empty values: no Value for an empty element, null inside a multi-valued one', () => {
    assert.deepEqual(decode('LO', ''), { vr: 'LO' });
    assert.deepEqual(decode('LO', '  '), { vr: 'LO' });
    assert.deepEqual(decode('CS', 'A\\\\B'), { vr: 'CS', Value: ['A', null, 'B'] });
    assert.deepEqual(decode('DS', '1\\ '), { vr: 'DS', Value: [1, null] });
  });

  test('trailing NUL on a non-UID string is kept, as the Azure service stores it', () => {
    assert.deepEqual(decode('LO', 'ID1\0'), { vr: 'LO', Value: ['ID1\0'] });
  });
});

describe('IS and DS', () => {
  test('parse as numbers, with surrounding spaces', () => {
    assert.deepEqual(decode('IS', ' 12\\-3\\+4 '), { vr: 'IS', Value: [12, -3, 4] });
    assert.deepEqual(decode('DS', '-125.5\\ 1.25e2\\.5\\1.\\0'), { vr: 'DS', Value: [-125.5, 125, 0.5, 1, 0] });
  });

  test('an unparsable value is kept as text, with a warning', () => {
    const warnings: string[] = [];
    assert.deepEqual(decode('IS', '12\\1.5\\x', true, warnings), { vr: 'IS', Value: [12, '1.5', 'x'] });
    assert.deepEqual(decode('DS', 'NaN\\1e999', true, warnings), { vr: 'DS', Value: ['NaN', '1e999'] });
    assert.equal(warnings.length, 4);
    assert.match(warnings[0] ?? '', /^\(0009,1001\) value "1\.5" is not a valid IS; kept as text$/);
  });
});

describe('PN', () => {
  test('component groups', () => {
    assert.deepEqual(decode('PN', 'Yamada^Tarou=YI^TI=YP^TP'), {
      vr: 'PN',
      Value: [{ Alphabetic: 'Yamada^Tarou', Ideographic: 'YI^TI', Phonetic: 'YP^TP' }],
    });
    assert.deepEqual(decode('PN', '=Ideo'), { vr: 'PN', Value: [{ Ideographic: 'Ideo' }] });
    assert.deepEqual(decode('PN', 'A^B\\\\C '), {
      vr: 'PN',
      Value: [{ Alphabetic: 'A^B' }, null, { Alphabetic: 'C' }],
    });
  });
});

describe('binary numbers', () => {
  function bytes(write: (b: Buffer) => void, size: number): Buffer {
    const b = Buffer.alloc(size);
    write(b);
    return b;
  }

  test('US, SS, UL, SL in both byte orders', () => {
    assert.deepEqual(
      decode(
        'US',
        bytes((b) => (b.writeUInt16LE(513, 0), b.writeUInt16LE(65535, 2)), 4),
      ),
      {
        vr: 'US',
        Value: [513, 65535],
      },
    );
    assert.deepEqual(
      decode(
        'US',
        bytes((b) => b.writeUInt16BE(513, 0), 2),
        false,
      ),
      { vr: 'US', Value: [513] },
    );
    assert.deepEqual(
      decode(
        'SS',
        bytes((b) => b.writeInt16LE(-45, 0), 2),
      ),
      { vr: 'SS', Value: [-45] },
    );
    assert.deepEqual(
      decode(
        'SS',
        bytes((b) => b.writeInt16BE(-45, 0), 2),
        false,
      ),
      { vr: 'SS', Value: [-45] },
    );
    assert.deepEqual(
      decode(
        'UL',
        bytes((b) => b.writeUInt32LE(4294967295, 0), 4),
      ),
      { vr: 'UL', Value: [4294967295] },
    );
    assert.deepEqual(
      decode(
        'UL',
        bytes((b) => b.writeUInt32BE(70000, 0), 4),
        false,
      ),
      { vr: 'UL', Value: [70000] },
    );
    assert.deepEqual(
      decode(
        'SL',
        bytes((b) => b.writeInt32LE(-5, 0), 4),
      ),
      { vr: 'SL', Value: [-5] },
    );
    assert.deepEqual(
      decode(
        'SL',
        bytes((b) => b.writeInt32BE(-5, 0), 4),
        false,
      ),
      { vr: 'SL', Value: [-5] },
    );
  });

  test('FL and FD; NaN and infinities become null', () => {
    assert.deepEqual(
      decode(
        'FL',
        bytes((b) => (b.writeFloatLE(0.5, 0), b.writeFloatLE(NaN, 4)), 8),
      ),
      {
        vr: 'FL',
        Value: [0.5, null],
      },
    );
    assert.deepEqual(
      decode(
        'FL',
        bytes((b) => b.writeFloatBE(-1.25, 0), 4),
        false,
      ),
      { vr: 'FL', Value: [-1.25] },
    );
    assert.deepEqual(
      decode(
        'FD',
        bytes((b) => b.writeDoubleLE(Math.PI, 0), 8),
      ),
      { vr: 'FD', Value: [Math.PI] },
    );
    assert.deepEqual(
      decode(
        'FD',
        bytes((b) => b.writeDoubleBE(-Infinity, 0), 8),
        false,
      ),
      { vr: 'FD', Value: [null] },
    );
  });

  test('SV and UV: numbers while exact, decimal strings beyond 2^53', () => {
    assert.deepEqual(
      decode(
        'SV',
        bytes((b) => (b.writeBigInt64LE(-42n, 0), b.writeBigInt64LE(-(2n ** 60n), 8)), 16),
      ),
      {
        vr: 'SV',
        Value: [-42, '-1152921504606846976'],
      },
    );
    assert.deepEqual(
      decode(
        'UV',
        bytes((b) => b.writeBigUInt64BE(2n ** 64n - 1n, 0), 8),
        false,
      ),
      {
        vr: 'UV',
        Value: ['18446744073709551615'],
      },
    );
  });

  test('AT as GGGGEEEE', () => {
    assert.deepEqual(
      decode(
        'AT',
        bytes((b) => (b.writeUInt16LE(0x0018, 0), b.writeUInt16LE(0x1063, 2)), 4),
      ),
      {
        vr: 'AT',
        Value: ['00181063'],
      },
    );
    assert.deepEqual(
      decode(
        'AT',
        bytes((b) => (b.writeUInt16BE(0x7fe0, 0), b.writeUInt16BE(0x0010, 2)), 4),
        false,
      ),
      {
        vr: 'AT',
        Value: ['7FE00010'],
      },
    );
  });

  test('a length that is not a multiple of the size: extra bytes ignored, with a warning', () => {
    const warnings: string[] = [];
    assert.deepEqual(decode('US', Buffer.from([1, 0, 2]), true, warnings), { vr: 'US', Value: [1] });
    assert.match(warnings[0] ?? '', /US value length 3 is not a multiple of 2/);
  });
});

test('text VRs use the character set; default-repertoire VRs do not', () => {
  const utf8 = resolveCharset(['ISO_IR 192']);
  const bytes = Buffer.from('Zoë', 'utf8');
  assert.deepEqual(decodeValue('00100010', 'LO', bytes, true, utf8, []).Value, ['Zoë']);
  assert.deepEqual(decodeValue('00080060', 'CS', bytes, true, utf8, []).Value, [bytes.toString('latin1')]);
});

test('every VR through the parser, in all three uncompressed encodings', () => {
  const elements: El[] = [
    { tag: '00080008', vr: 'CS', value: 'A\\B' },
    { tag: '00080012', vr: 'DA', value: '20240131' },
    { tag: '00080013', vr: 'TM', value: '1015' },
    { tag: '0008002A', vr: 'DT', value: '2024' },
    { tag: '00080050', vr: 'SH', value: 'ACC' },
    { tag: '00080054', vr: 'AE', value: 'AET' },
    { tag: '00080070', vr: 'LO', value: 'Maker' },
    { tag: '00080119', vr: 'UC', value: 'long code' },
    { tag: '0008010E', vr: 'UR', value: 'http://x' },
    { tag: '00081161', vr: 'UL', value: [1, 2] },
    { tag: '00100010', vr: 'PN', value: 'A^B=C^D' },
    { tag: '00101010', vr: 'AS', value: '044Y' },
    { tag: '00101020', vr: 'DS', value: '1.68' },
    { tag: '00181320', vr: 'FL', value: [0.5] },
    { tag: '00181635', vr: 'FD', value: [2.5] },
    { tag: '00186020', vr: 'SL', value: [-5] },
    { tag: '00189440', vr: 'SS', value: [-45] },
    { tag: '00200013', vr: 'IS', value: '12' },
    { tag: '00204000', vr: 'LT', value: 'long text' },
    { tag: '00280009', vr: 'AT', value: [0x00181063] },
    { tag: '00280010', vr: 'US', value: [16] },
    { tag: '00324000', vr: 'LT', value: 'x' },
    { tag: '0040A160', vr: 'UT', value: 'text' },
    { tag: '0040A121', vr: 'DA', value: '20240101' },
    { tag: '00720082', vr: 'SV', value: [-7n] },
    { tag: '00720083', vr: 'UV', value: [7n] },
    { tag: '00400280', vr: 'ST', value: 'short text' },
  ];
  const expected = {
    '00080008': ['A', 'B'],
    '00080012': ['20240131'],
    '00080013': ['1015'],
    '0008002A': ['2024'],
    '00080050': ['ACC'],
    '00080054': ['AET'],
    '00080070': ['Maker'],
    '00080119': ['long code'],
    '0008010E': ['http://x'],
    '00081161': [1, 2],
    '00100010': [{ Alphabetic: 'A^B', Ideographic: 'C^D' }],
    '00101010': ['044Y'],
    '00101020': [1.68],
    '00181320': [0.5],
    '00181635': [2.5],
    '00186020': [-5],
    '00189440': [-45],
    '00200013': [12],
    '00204000': ['long text'],
    '00280009': ['00181063'],
    '00280010': [16],
    '00324000': ['x'],
    '0040A160': ['text'],
    '0040A121': ['20240101'],
    '00720082': [-7],
    '00720083': [7],
    '00400280': ['short text'],
  };
  for (const ts of [TS.implicitLE, TS.explicitLE, TS.explicitBE]) {
    const dataset = parse(buildPart10({ transferSyntax: ts, elements })).dataset;
    for (const el of elements) {
      assert.equal(dataset[el.tag]?.vr, el.vr, `${ts} ${el.tag} VR`);
      assert.deepEqual(dataset[el.tag]?.Value, expected[el.tag as keyof typeof expected], `${ts} ${el.tag}`);
    }
  }
});
