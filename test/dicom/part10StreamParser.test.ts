import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { describe, test } from 'node:test';
import { DicomParseError } from '../../shared/dicom/dicomParseError';
import { Part10StreamParser } from '../../shared/dicom/part10StreamParser';
import { makeDicom } from '../support/dicomFactory';
import { buildPart10, TS, type El, type Encoding } from './part10Builder';
import { asJson, parse } from './parseHelpers';

const IDS: El[] = [
  { tag: '00080016', vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' },
  { tag: '00080018', vr: 'UI', value: '1.2.3.4.3' },
  { tag: '00100020', vr: 'LO', value: 'PID' },
  { tag: '0020000D', vr: 'UI', value: '1.2.3.4.1' },
  { tag: '0020000E', vr: 'UI', value: '1.2.3.4.2' },
];

/** A dataset exercising nesting: a defined-length sequence of two items (one of them undefined
 *  length) holding an undefined-length sequence, and an empty sequence. */
const NESTED: El[] = [
  { tag: '00080005', vr: 'CS', value: 'ISO_IR 100' },
  ...IDS.slice(0, 2),
  {
    tag: '00081032',
    vr: 'SQ',
    items: [
      {
        elements: [
          { tag: '00080100', vr: 'SH', value: 'C1' },
          {
            tag: '0040A195',
            vr: 'SQ',
            undefinedLength: true,
            items: [{ elements: [{ tag: '00080104', vr: 'LO', value: Buffer.from('Tête', 'latin1') }] }],
          },
        ],
      },
      { undefinedLength: true, elements: [{ tag: '00080100', vr: 'SH', value: 'C2' }] },
    ],
  },
  { tag: '00081120', vr: 'SQ', items: [] },
  { tag: '00100010', vr: 'PN', value: Buffer.from('Müller^Hans', 'latin1') },
  ...IDS.slice(2),
  { tag: '00280010', vr: 'US', value: [2] },
];

const NESTED_JSON = {
  '00080005': { vr: 'CS', Value: ['ISO_IR 100'] },
  '00080016': { vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.7'] },
  '00080018': { vr: 'UI', Value: ['1.2.3.4.3'] },
  '00081032': {
    vr: 'SQ',
    Value: [
      {
        '00080100': { vr: 'SH', Value: ['C1'] },
        '0040A195': { vr: 'SQ', Value: [{ '00080104': { vr: 'LO', Value: ['Tête'] } }] },
      },
      { '00080100': { vr: 'SH', Value: ['C2'] } },
    ],
  },
  '00081120': { vr: 'SQ' },
  '00100010': { vr: 'PN', Value: [{ Alphabetic: 'Müller^Hans' }] },
  '00100020': { vr: 'LO', Value: ['PID'] },
  '0020000D': { vr: 'UI', Value: ['1.2.3.4.1'] },
  '0020000E': { vr: 'UI', Value: ['1.2.3.4.2'] },
  '00280010': { vr: 'US', Value: [2] },
};

function file(elements: El[], transferSyntax: string = TS.explicitLE): Buffer {
  return buildPart10({ transferSyntax, elements });
}

function parseError(bytes: Buffer, pattern: RegExp, sizes?: number[]): void {
  assert.throws(
    () => parse(bytes, sizes),
    (err: unknown) => err instanceof DicomParseError && pattern.test(err.message),
  );
}

describe('encodings', () => {
  const cases: [string, string][] = [
    ['implicit VR little endian', TS.implicitLE],
    ['explicit VR little endian', TS.explicitLE],
    ['explicit VR big endian', TS.explicitBE],
  ];
  for (const [name, ts] of cases) {
    test(`${name}: nested, defined and undefined length sequences`, () => {
      const result = parse(file(NESTED, ts));
      assert.equal(result.transferSyntaxUid, ts);
      assert.deepEqual(asJson(result.dataset), NESTED_JSON);
      assert.deepEqual(result.warnings, []);
    });
  }

  test('big endian numbers are byte-swapped', () => {
    const elements: El[] = [
      { tag: '00181320', vr: 'FL', value: [0.5] },
      { tag: '00186020', vr: 'SL', value: [-70000] },
      { tag: '00280010', vr: 'US', value: [513] },
    ];
    const le = parse(file(elements, TS.explicitLE)).dataset;
    const be = parse(file(elements, TS.explicitBE)).dataset;
    assert.deepEqual(be, le);
    assert.deepEqual(be['00280010'], { vr: 'US', Value: [513] });
  });

  test('file meta is parsed and kept apart from the dataset', () => {
    const result = parse(file(IDS));
    assert.deepEqual(result.fileMeta['00020010'], { vr: 'UI', Value: [TS.explicitLE] });
    assert.equal(result.fileMeta['00020001'], undefined, 'OB version is bulk');
    assert.equal(result.fileMeta['00020000'], undefined, 'group length is not metadata');
    assert.equal(result.dataset['00020010'], undefined);
  });

  test('file meta without a group length', () => {
    for (const ts of [TS.explicitLE, TS.implicitLE, TS.explicitBE]) {
      const bytes = buildPart10({ transferSyntax: ts, elements: NESTED, metaGroupLength: false });
      assert.deepEqual(asJson(parse(bytes).dataset), NESTED_JSON, ts);
      assert.deepEqual(asJson(parse(bytes, [1]).dataset), NESTED_JSON, `${ts}, byte by byte`);
    }
  });

  test('deflated explicit VR little endian is inflated as it streams', () => {
    const spec = { transferSyntax: TS.deflated, elements: NESTED, transformDataset: (d: Buffer) => deflateRawSync(d) };
    const bytes = buildPart10(spec);
    assert.deepEqual(asJson(parse(bytes).dataset), NESTED_JSON);
    assert.deepEqual(asJson(parse(bytes, [1]).dataset), NESTED_JSON);
    assert.deepEqual(asJson(parse(buildPart10({ ...spec, metaGroupLength: false }), [7, 3]).dataset), NESTED_JSON);
  });

  test('a truncated deflate stream is an error', () => {
    const bytes = buildPart10({
      transferSyntax: TS.deflated,
      elements: NESTED,
      transformDataset: (d) => deflateRawSync(d),
    });
    parseError(bytes.subarray(0, bytes.length - 3), /ended early/);
  });

  test('an unknown transfer syntax is read as explicit VR little endian, with a warning', () => {
    const result = parse(file(IDS, '1.2.3.999'));
    assert.deepEqual(result.dataset['0020000E'], { vr: 'UI', Value: ['1.2.3.4.2'] });
    assert.match(result.warnings.join(), /Unknown transfer syntax 1\.2\.3\.999/);
  });

  test('a file with an empty dataset', () => {
    const result = parse(file([]));
    assert.deepEqual(result.dataset, {});
    assert.equal(result.frames, undefined);
  });
});

describe('elements that are skipped', () => {
  test('bulk VRs are skipped and absent; private text is kept', () => {
    const result = parse(
      file([
        ...IDS.slice(0, 2),
        { tag: '00110010', vr: 'LO', value: 'CREATOR' },
        { tag: '00111001', vr: 'LO', value: 'private' },
        { tag: '00111002', vr: 'UN', value: Buffer.alloc(6, 1) },
        { tag: '00281201', vr: 'OW', value: Buffer.alloc(8) },
        { tag: '00420011', vr: 'OB', value: Buffer.alloc(5) },
        { tag: '00660040', vr: 'OL', value: Buffer.alloc(8) },
        { tag: '00660022', vr: 'OD', value: Buffer.alloc(8) },
        { tag: '00181638', vr: 'OF', value: Buffer.alloc(8) },
        { tag: '00720081', vr: 'OV', value: Buffer.alloc(8) },
      ]),
    );
    assert.deepEqual(Object.keys(result.dataset).sort(), ['00080016', '00080018', '00110010', '00111001']);
  });

  test('UN of undefined length is skipped as an implicit VR sequence (PS3.5 6.2.2)', () => {
    const unSequence: El = {
      tag: '00111010',
      vr: 'UN',
      undefinedLength: true,
      itemsEncoding: 'implicitLE',
      items: [
        {
          undefinedLength: true,
          elements: [
            { tag: '00100010', vr: 'PN', value: 'Hidden^Name' },
            {
              tag: '00081140',
              vr: 'SQ',
              undefinedLength: true,
              items: [{ elements: [{ tag: '00080100', vr: 'SH', value: 'X' }] }],
            },
          ],
        },
        { elements: [{ tag: '00100020', vr: 'LO', value: 'hidden' }] },
      ],
    };
    for (const ts of [TS.explicitLE, TS.explicitBE]) {
      const result = parse(
        file([...IDS.slice(0, 2), { tag: '00110010', vr: 'LO', value: 'C' }, unSequence, ...IDS.slice(2)], ts),
      );
      assert.equal(result.dataset['00111010'], undefined);
      assert.deepEqual(result.dataset['00100020'], { vr: 'LO', Value: ['PID'] }, 'parsing resumes after it');
    }
  });

  test('in implicit VR, an unknown element of undefined length is a sequence', () => {
    const result = parse(
      file(
        [
          { tag: '00110010', vr: 'LO', value: 'C' },
          {
            tag: '00111010',
            vr: 'SQ',
            undefinedLength: true,
            items: [{ elements: [{ tag: '00080100', vr: 'SH', value: 'X' }] }],
          },
          { tag: '00111011', vr: 'LO', value: 'unknown private VR' },
          ...IDS,
        ],
        TS.implicitLE,
      ),
    );
    assert.deepEqual(result.dataset['00111010'], { vr: 'SQ', Value: [{ '00080100': { vr: 'SH', Value: ['X'] } }] });
    assert.equal(result.dataset['00111011'], undefined, 'private values without a known VR are UN');
    assert.deepEqual(result.dataset['00110010'], { vr: 'LO', Value: ['C'] }, 'private creators are LO');
  });

  test('an unknown explicit VR is read with a 32-bit length and skipped', () => {
    const bytes = file([
      ...IDS.slice(0, 2),
      { tag: '00111001', vr: 'ZZ', value: Buffer.alloc(70000) },
      ...IDS.slice(2),
    ]);
    const result = parse(bytes);
    assert.equal(result.dataset['00111001'], undefined);
    assert.deepEqual(result.dataset['0020000E'], { vr: 'UI', Value: ['1.2.3.4.2'] });
  });

  test('group lengths are dropped', () => {
    const result = parse(file([{ tag: '00080000', vr: 'UL', value: [100] }, ...IDS]));
    assert.equal(result.dataset['00080000'], undefined);
  });

  test('elements after Pixel Data are parsed, trailing padding skipped', () => {
    const result = parse(
      file([
        ...IDS,
        { tag: '7FE00010', vr: 'OW', value: Buffer.alloc(8) },
        { tag: 'FFFAFFFA', vr: 'SQ', items: [{ elements: [{ tag: '04000015', vr: 'CS', value: 'SHA256' }] }] },
        { tag: 'FFFCFFFC', vr: 'OB', value: Buffer.alloc(64) },
      ]),
    );
    assert.deepEqual(result.dataset['FFFAFFFA'], {
      vr: 'SQ',
      Value: [{ '04000015': { vr: 'CS', Value: ['SHA256'] } }],
    });
  });
});

describe('character sets in items', () => {
  test('an item may switch the character set for its own elements', () => {
    const result = parse(
      file([
        { tag: '00080005', vr: 'CS', value: 'ISO_IR 100' },
        {
          tag: '00400275',
          vr: 'SQ',
          items: [
            {
              elements: [
                { tag: '00080005', vr: 'CS', value: 'ISO_IR 192' },
                { tag: '00321060', vr: 'LO', value: Buffer.from('Ωmega', 'utf8') },
              ],
            },
            { elements: [{ tag: '00321060', vr: 'LO', value: Buffer.from('Ëlite', 'latin1') }] },
          ],
        },
        { tag: '00100010', vr: 'PN', value: Buffer.from('Zoë', 'latin1') },
      ]),
    );
    const items = result.dataset['00400275']?.Value as Record<string, { Value: unknown[] }>[];
    assert.deepEqual(items[0]?.['00321060']?.Value, ['Ωmega']);
    assert.deepEqual(items[1]?.['00321060']?.Value, ['Ëlite'], 'the next item inherits the dataset set again');
    assert.deepEqual(result.dataset['00100010']?.Value, [{ Alphabetic: 'Zoë' }]);
  });

  test('an unknown character set falls back to Latin-1 with a warning', () => {
    const result = parse(
      file([
        { tag: '00080005', vr: 'CS', value: 'ISO_IR 999' },
        { tag: '00100010', vr: 'PN', value: 'A' },
      ]),
    );
    assert.match(result.warnings.join(), /Unknown Specific Character Set "ISO_IR 999"/);
  });
});

describe('streaming behaviour', () => {
  test('identifiersComplete turns true once Series Instance UID is read', () => {
    const bytes = makeDicom({ pixelDataBytes: 4096 });
    const parser = new Part10StreamParser();
    const seriesAt = bytes.indexOf(Buffer.from([0x20, 0x00, 0x0e, 0x00]));
    parser.write(bytes.subarray(0, seriesAt + 10));
    assert.equal(parser.identifiersComplete, false, 'the header alone is not enough');
    parser.write(bytes.subarray(seriesAt + 10, seriesAt + 200));
    assert.equal(parser.identifiersComplete, true);
    assert.ok(parser.dataset['0020000E']?.Value);
    assert.ok(parser.dataset['00100020']?.Value);
    parser.write(bytes.subarray(seriesAt + 200));
    assert.equal(parser.bytesSeen, bytes.length);
    assert.equal(parser.end().byteLength, bytes.length);
  });

  test('identifiersComplete when a later tag shows Series Instance UID is absent, or at end', () => {
    const parser = new Part10StreamParser();
    parser.write(file([IDS[0] as El, { tag: '00280010', vr: 'US', value: [1] }]));
    assert.equal(parser.identifiersComplete, true);
    const short = new Part10StreamParser();
    short.write(file([IDS[0] as El]));
    assert.equal(short.identifiersComplete, false);
    short.end();
    assert.equal(short.identifiersComplete, true);
  });

  test('identifiersComplete ignores Series Instance UID inside a sequence', () => {
    const parser = new Part10StreamParser();
    parser.write(
      file([{ tag: '00081115', vr: 'SQ', items: [{ elements: [{ tag: '0020000E', vr: 'UI', value: '1.2' }] }] }]),
    );
    assert.equal(parser.identifiersComplete, false);
  });

  test('the chunk buffers may be reused by the caller after write()', () => {
    const bytes = file(NESTED);
    const parser = new Part10StreamParser();
    const reused = Buffer.alloc(5);
    for (let at = 0; at < bytes.length; at += 5) {
      const n = bytes.copy(reused, 0, at, at + 5);
      parser.write(reused.subarray(0, n));
      reused.fill(0xee);
    }
    assert.deepEqual(asJson(parser.end().dataset), NESTED_JSON);
  });

  test('a value over maxValueBytes is an error; bulk values are not limited', () => {
    const big = file([{ tag: '00204000', vr: 'LT', value: 'x'.repeat(2000) }]);
    assert.throws(
      () => parse(big, undefined, { maxValueBytes: 1024 }),
      /2000-byte value, more than the 1024-byte limit/,
    );
    assert.doesNotThrow(() =>
      parse(file([{ tag: '00420011', vr: 'OB', value: Buffer.alloc(4096) }]), undefined, { maxValueBytes: 1024 }),
    );
  });

  test('many empty elements count against maxMetadataBytes too', () => {
    const empties = file(
      Array.from({ length: 200 }, (_, i) => ({ tag: `0011${(0x1000 + i).toString(16)}`, vr: 'LO', value: '' })),
    );
    assert.throws(() => parse(empties, undefined, { maxMetadataBytes: 10_000 }), /metadata is larger/);
  });

  test('total metadata over maxMetadataBytes is an error', () => {
    const many = file(
      Array.from({ length: 20 }, (_, i) => ({
        tag: `0011${(0x1000 + i).toString(16)}`,
        vr: 'LO',
        value: 'x'.repeat(60),
      })),
    );
    assert.throws(
      () => parse(many, undefined, { maxMetadataBytes: 1000 }),
      /metadata is larger than the 1000-byte limit/,
    );
  });

  test('nesting deeper than maxDepth is an error', () => {
    let el: El = { tag: '00080100', vr: 'SH', value: 'deep' };
    for (let i = 0; i < 5; i += 1) el = { tag: '0040A730', vr: 'SQ', items: [{ elements: [el] }] };
    assert.doesNotThrow(() => parse(file([el]), undefined, { maxDepth: 5 }));
    assert.throws(() => parse(file([el]), undefined, { maxDepth: 4 }), /nested more than 4 deep/);
  });
});

describe('malformed input', () => {
  test('non-DICOM input', () => {
    parseError(Buffer.from('{"not":"dicom"}'), /ended before "DICM"/);
    parseError(Buffer.alloc(300, 0x41), /no "DICM" prefix/);
  });

  test('a DICOM file whose dataset has no preamble is refused early', () => {
    const parser = new Part10StreamParser();
    const bytes = file(IDS).subarray(132);
    assert.throws(() => parser.write(bytes), DicomParseError);
    assert.throws(() => parser.write(bytes), DicomParseError, 'the parser stays failed');
    assert.throws(() => parser.end(), DicomParseError);
  });

  test('every truncation of a file is an error, never a silent success', () => {
    const encodings: Encoding[] = ['implicitLE', 'explicitLE', 'explicitBE'];
    for (const encoding of encodings) {
      const ts = { implicitLE: TS.implicitLE, explicitLE: TS.explicitLE, explicitBE: TS.explicitBE }[encoding];
      const bytes = file([...NESTED, { tag: '7FE00010', vr: 'OW', value: Buffer.alloc(16) }], ts);
      const full = parse(bytes).dataset;
      let successes = 0;
      for (let cut = 0; cut < bytes.length; cut += 1) {
        let partial;
        try {
          partial = parse(bytes.subarray(0, cut)).dataset;
        } catch (err) {
          assert.ok(err instanceof DicomParseError, `${encoding} cut at ${cut}: ${String(err)}`);
          continue;
        }
        // A cut between top-level elements is a shorter valid file: each element it has is complete.
        successes += 1;
        for (const [tag, element] of Object.entries(partial)) {
          assert.deepEqual(element, full[tag], `${encoding} cut at ${cut}: ${tag} is incomplete`);
        }
      }
      assert.equal(successes, Object.keys(full).length + 1, 'one per top-level element, plus the empty dataset');
    }
  });

  test('no File Meta Information Transfer Syntax', () => {
    const bytes = file(IDS);
    const tsAt = bytes.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00]));
    bytes.writeUInt16LE(0x0011, tsAt + 2); // (0002,0011): not the transfer syntax
    parseError(bytes, /no Transfer Syntax UID/);
  });

  test('an invalid VR', () => {
    const bytes = file(IDS);
    bytes.write('a1', bytes.indexOf(Buffer.from([0x20, 0x00, 0x0d, 0x00])) + 4, 'latin1');
    parseError(bytes, /invalid VR/);
  });

  test('an element running past the end of its item', () => {
    const bytes = file([
      { tag: '00081032', vr: 'SQ', items: [{ elements: [{ tag: '00080100', vr: 'SH', value: 'AB' }] }] },
    ]);
    // Grow the SH length from 2 to 4: it now overruns the 10-byte item.
    bytes.writeUInt16LE(4, bytes.indexOf(Buffer.from('SH', 'latin1')) + 2);
    parseError(bytes, /runs past the end of its sequence item/);
  });

  test('a data element where a sequence expects an item', () => {
    const bytes = file([{ tag: '00081032', vr: 'SQ', undefinedLength: true, items: [] }, ...IDS]);
    // Remove the sequence delimiter: the next element appears inside the sequence.
    const at = bytes.indexOf(Buffer.from([0xfe, 0xff, 0xdd, 0xe0]));
    const broken = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 8)]);
    parseError(broken, /where an item was expected/);
  });

  test('stray delimiters', () => {
    const delimiter = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
    parseError(Buffer.concat([file(IDS), delimiter]), /Unexpected Sequence Delimitation/);
  });

  test('undefined length on a VR that cannot have it', () => {
    parseError(
      file([{ tag: '00204000', vr: 'UT', undefinedLength: true, items: [] }]),
      /undefined length, which VR UT/,
    );
  });
});

test('millions of tiny values fail the metadata budget before they are decoded', () => {
  // 128 person-name elements of 64 KiB "A\A\A…" each: 4 Mi names, about 640 MiB as objects.
  const names = Buffer.alloc(65534 - 1, 'A\\');
  const elements = Array.from({ length: 128 }, (_, i) => ({
    tag: `0009${(0x1000 + i).toString(16).toUpperCase()}`,
    vr: 'PN',
    value: names,
  }));
  const file = makeDicom({ elements });
  const parser = new Part10StreamParser();
  const rssBefore = process.memoryUsage().rss;
  assert.throws(() => {
    parser.write(file);
    parser.end();
  }, /metadata is larger than/);
  assert.ok(process.memoryUsage().rss - rssBefore < 128 * 1024 * 1024, 'no decoded objects were made');
});
