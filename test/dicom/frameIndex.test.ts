import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FrameIndex } from '../../shared/dicom/frameIndex';
import { frameCountOf, frameRangesOf } from '../../shared/dicom/frameRanges';
import { MAX_FRAGMENTS_PER_INSTANCE } from '../../shared/dicom/pixelDataRecorder';
import { TS, buildPart10, encapsulatedPixels, type El } from './part10Builder';
import { parse } from './parseHelpers';

function image(rows: number, columns: number, frames?: number, extra: El[] = []): El[] {
  return [
    { tag: '00280002', vr: 'US', value: [1] },
    ...(frames === undefined ? [] : [{ tag: '00280008', vr: 'IS', value: String(frames) }]),
    { tag: '00280010', vr: 'US', value: [rows] },
    { tag: '00280011', vr: 'US', value: [columns] },
    { tag: '00280100', vr: 'US', value: [8] },
    ...extra,
  ];
}

/** The bytes each frame's ranges point at, concatenated per frame. */
function frameBytes(file: Buffer, index: FrameIndex | undefined): Buffer[] {
  assert.ok(index, 'frames are indexed');
  return Array.from({ length: frameCountOf(index) }, (_, i) =>
    Buffer.concat(frameRangesOf(index, i + 1).map((r) => file.subarray(r.offset, r.offset + r.length))),
  );
}

function jpegFrame(n: number, length: number): Buffer {
  const b = Buffer.alloc(length, n);
  b[0] = 0xff;
  b[1] = 0xd8;
  return b;
}

function encapsulatedFile(transferSyntax: string, elements: El[], pixels: Buffer): Buffer {
  return buildPart10({
    transferSyntax,
    elements: [...elements, { tag: '7FE00010', vr: 'OB', undefinedLength: true, value: pixels }],
  });
}

describe('native', () => {
  test('a multi-frame instance: offset from the file start, frame length, count', () => {
    const pixels = Buffer.from(Array.from({ length: 4 * 3 * 5 }, (_, i) => i));
    const file = buildPart10({
      transferSyntax: TS.explicitLE,
      elements: [...image(4, 3, 5), { tag: '7FE00010', vr: 'OB', value: pixels }],
    });
    const { frames } = parse(file);
    assert.deepEqual(frames, { kind: 'native', offset: file.length - pixels.length, frameLength: 12, count: 5 });
    assert.deepEqual(frameBytes(file, frames)[4], pixels.subarray(48, 60));
  });

  test('Number of Frames defaults to 1; a padded odd-sized frame keeps its true length', () => {
    const file = buildPart10({
      transferSyntax: TS.implicitLE,
      elements: [...image(3, 3), { tag: '7FE00010', vr: 'OW', value: Buffer.alloc(10) }],
    });
    assert.deepEqual(parse(file).frames, { kind: 'native', offset: file.length - 10, frameLength: 9, count: 1 });
  });

  test('too little pixel data: a warning, and only the whole frames indexed', () => {
    const result = parse(
      buildPart10({
        transferSyntax: TS.explicitLE,
        elements: [...image(2, 2, 3), { tag: '7FE00010', vr: 'OB', value: Buffer.alloc(10) }],
      }),
    );
    assert.equal(result.frames?.kind === 'native' && result.frames.count, 2);
    assert.match(result.warnings.join(), /less than 3 frames of 4 bytes/);
  });

  test('bit-packed frames not on byte boundaries are not indexed', () => {
    const bits = image(3, 3, 2, []).map((e) => (e.tag === '00280100' ? { ...e, value: [1] } : e));
    const result = parse(
      buildPart10({
        transferSyntax: TS.explicitLE,
        elements: [...bits, { tag: '7FE00010', vr: 'OB', value: Buffer.alloc(4) }],
      }),
    );
    assert.equal(result.frames, undefined);
    assert.match(result.warnings.join(), /Bit-packed/);
  });

  test('bit-packed frames that are whole bytes are indexed', () => {
    const bits = image(4, 4, 2, []).map((e) => (e.tag === '00280100' ? { ...e, value: [1] } : e));
    const result = parse(
      buildPart10({
        transferSyntax: TS.explicitLE,
        elements: [...bits, { tag: '7FE00010', vr: 'OB', value: Buffer.alloc(4) }],
      }),
    );
    assert.equal(result.frames?.kind === 'native' && result.frames.frameLength, 2);
  });

  test('YBR_FULL_422 frames hold two samples per pixel', () => {
    const elements = image(2, 2, 1, [{ tag: '00280004', vr: 'CS', value: 'YBR_FULL_422' }]).map((e) =>
      e.tag === '00280002' ? { ...e, value: [3] } : e,
    );
    const result = parse(
      buildPart10({
        transferSyntax: TS.explicitLE,
        elements: [...elements, { tag: '7FE00010', vr: 'OB', value: Buffer.alloc(8) }],
      }),
    );
    assert.equal(result.frames?.kind === 'native' && result.frames.frameLength, 8);
  });

  test('no image geometry: no frames, a warning', () => {
    const result = parse(
      buildPart10({ transferSyntax: TS.explicitLE, elements: [{ tag: '7FE00010', vr: 'OB', value: Buffer.alloc(4) }] }),
    );
    assert.equal(result.frames, undefined);
    assert.match(result.warnings.join(), /no Rows, Columns or Bits Allocated/);
  });

  test('no Pixel Data: no frames, no warning', () => {
    const result = parse(buildPart10({ transferSyntax: TS.explicitLE, elements: image(2, 2) }));
    assert.equal(result.frames, undefined);
    assert.deepEqual(result.warnings, []);
  });

  test('Float Pixel Data is indexed like Pixel Data', () => {
    const elements = image(2, 2, 2).map((e) => (e.tag === '00280100' ? { ...e, value: [32] } : e));
    const file = buildPart10({
      transferSyntax: TS.explicitLE,
      elements: [...elements, { tag: '7FE00008', vr: 'OF', value: Buffer.alloc(32) }],
    });
    assert.deepEqual(parse(file).frames, { kind: 'native', offset: file.length - 32, frameLength: 16, count: 2 });
  });

  test('a big endian instance', () => {
    const file = buildPart10({
      transferSyntax: TS.explicitBE,
      elements: [...image(2, 2, 2), { tag: '7FE00010', vr: 'OB', value: Buffer.alloc(8, 7) }],
    });
    assert.deepEqual(parse(file).frames, { kind: 'native', offset: file.length - 8, frameLength: 4, count: 2 });
  });
});

describe('encapsulated', () => {
  const frames = [
    [jpegFrame(1, 30)],
    [jpegFrame(2, 20), Buffer.alloc(10, 0x22)],
    [jpegFrame(3, 12), Buffer.alloc(4, 3), Buffer.alloc(6, 4)],
  ];
  const whole = frames.map((f) => Buffer.concat(f));

  test('Basic Offset Table with several fragments per frame', () => {
    const file = encapsulatedFile(TS.rle, image(8, 8, 3), encapsulatedPixels(frames, true));
    const result = parse(file);
    assert.deepEqual(frameBytes(file, result.frames), whole);
    assert.deepEqual(result.warnings, []);
    // Fragments are stored flat: each frame's first fragment, and every fragment's length.
    assert.deepEqual(result.frames, {
      kind: 'fragments',
      first: result.frames?.kind === 'fragments' ? result.frames.first : -1,
      lengths: [30, 20, 10, 12, 4, 6],
      frameStarts: [0, 1, 3],
    });
  });

  test('fragment offsets point at fragment values, counted from the file start', () => {
    const pixels = encapsulatedPixels([[Buffer.from('ABCD')]], false);
    const file = encapsulatedFile(TS.rle, image(2, 2, 1), pixels);
    const result = parse(file);
    // The value follows: Pixel Data header (12), empty BOT item (8), fragment item header (8).
    const valueAt = file.length - pixels.length + 8 + 8;
    assert.deepEqual(result.frames, { kind: 'fragments', first: valueAt, lengths: [4] });
    assert.equal(file.toString('latin1', valueAt, valueAt + 4), 'ABCD');
  });

  test('no Basic Offset Table, one fragment per frame', () => {
    const single = [[jpegFrame(1, 10)], [Buffer.alloc(6, 2)], [Buffer.alloc(8, 3)]];
    const file = encapsulatedFile(TS.rle, image(8, 8, 3), encapsulatedPixels(single, false));
    assert.deepEqual(
      frameBytes(file, parse(file).frames),
      single.map((f) => Buffer.concat(f)),
    );
  });

  test('one frame in several fragments', () => {
    const file = encapsulatedFile(
      TS.jpeg2000,
      image(8, 8),
      encapsulatedPixels([[Buffer.alloc(4, 1), Buffer.alloc(6, 2)]], false),
    );
    assert.deepEqual(frameBytes(file, parse(file).frames), [Buffer.concat([Buffer.alloc(4, 1), Buffer.alloc(6, 2)])]);
  });

  test('no offset table and more fragments than frames: JPEG start markers', () => {
    const file = encapsulatedFile(TS.jpegBaseline, image(8, 8, 3), encapsulatedPixels(frames, false));
    const result = parse(file);
    assert.deepEqual(frameBytes(file, result.frames), whole);
    assert.deepEqual(result.warnings, []);
  });

  test('the JPEG heuristic is not used for syntaxes without start markers', () => {
    const result = parse(encapsulatedFile(TS.rle, image(8, 8, 3), encapsulatedPixels(frames, false)));
    assert.equal(result.frames, undefined);
    assert.match(result.warnings.join(), /Cannot tell which of 6 fragments belong to which of 3 frames/);
  });

  test('start markers that give the wrong frame count: not indexed', () => {
    const result = parse(encapsulatedFile(TS.jpegBaseline, image(8, 8, 2), encapsulatedPixels(frames, false)));
    assert.equal(result.frames, undefined);
  });

  test('the Extended Offset Table when the Basic one is empty', () => {
    const single = [[jpegFrame(1, 10)], [Buffer.alloc(6, 2)], [Buffer.alloc(8, 3)]];
    const eot = Buffer.alloc(24);
    [0, 18, 32].forEach((o, i) => eot.writeBigUInt64LE(BigInt(o), i * 8));
    const lengths = Buffer.alloc(24);
    [10, 6, 8].forEach((l, i) => lengths.writeBigUInt64LE(BigInt(l), i * 8));
    // Number of Frames 2 would defeat the other rules: only the EOT says there are three frames.
    const elements = [
      ...image(8, 8, 2),
      { tag: '7FE00001', vr: 'OV', value: eot },
      { tag: '7FE00002', vr: 'OV', value: lengths },
    ];
    const file = encapsulatedFile(TS.rle, elements, encapsulatedPixels(single, false));
    const result = parse(file);
    assert.deepEqual(
      frameBytes(file, result.frames),
      single.map((f) => Buffer.concat(f)),
    );
    assert.equal(result.dataset['7FE00001'], undefined, 'the table is not metadata');
    assert.match(result.warnings.join(), /lists 3 frames but Number of Frames is 2/);
  });

  test('a Basic Offset Table that does not match the fragments is ignored', () => {
    const file = encapsulatedFile(TS.jpegBaseline, image(8, 8, 3), encapsulatedPixels(frames, [0, 5, 9]));
    const result = parse(file);
    assert.deepEqual(frameBytes(file, result.frames), whole, 'the JPEG markers still work');
    assert.match(result.warnings.join(), /Basic Offset Table does not match/);
  });

  test('Basic Offset Tables out of order, repeating, between fragments or not starting at 0 are ignored', () => {
    // The right table is [0, 38, 84]: each fragment's item header, from the first one's.
    for (const [table, why] of [
      [[0, 84, 38], /does not match/],
      [[0, 38, 38], /does not match/],
      [[0, 38, 124], /does not match/],
      [[0, 38, 130], /does not match/],
      [[38, 84], /does not start at the first fragment/],
    ] as const) {
      const file = encapsulatedFile(TS.rle, image(8, 8, 3), encapsulatedPixels(frames, [...table]));
      const result = parse(file);
      assert.equal(result.frames, undefined, `table ${table.join()}`);
      assert.match(result.warnings.join(), why);
    }
    const file = encapsulatedFile(TS.rle, image(8, 8, 3), encapsulatedPixels(frames, [0, 38, 84]));
    assert.deepEqual(frameBytes(file, parse(file).frames), whole);
  });

  test('encapsulated Pixel Data inside a sequence (an icon) is skipped, not indexed', () => {
    const icon: El = {
      tag: '00880200',
      vr: 'SQ',
      items: [
        {
          elements: [
            { tag: '7FE00010', vr: 'OB', undefinedLength: true, value: encapsulatedPixels([[Buffer.alloc(4)]], false) },
          ],
        },
      ],
    };
    const result = parse(buildPart10({ transferSyntax: TS.jpegBaseline, elements: [icon, ...image(2, 2)] }));
    assert.equal(result.frames, undefined);
    assert.deepEqual(result.dataset['00280010']?.Value, [2], 'parsing continues after it');
  });

  test('truncated fragments are an error', () => {
    const file = encapsulatedFile(TS.rle, image(8, 8, 3), encapsulatedPixels(frames, true));
    assert.throws(() => parse(file.subarray(0, file.length - 8)), /ended early \(in encapsulated Pixel Data\)/);
    assert.throws(() => parse(file.subarray(0, file.length - 20)), /ended early/);
  });

  test('a non-item tag among the fragments is an error', () => {
    const pixels = encapsulatedPixels([[Buffer.alloc(4)]], false);
    pixels.writeUInt16LE(0xe00d, 2); // the BOT item becomes an Item Delimitation Item
    assert.throws(() => parse(encapsulatedFile(TS.rle, image(2, 2), pixels)), /where a fragment was expected/);
  });
});

test('more fragments than an instance may have fail the parse', () => {
  const tiny = Buffer.from('AB');
  const frames = [Array.from({ length: MAX_FRAGMENTS_PER_INSTANCE + 1 }, () => tiny)];
  const file = encapsulatedFile(TS.rle, image(8, 8, 1), encapsulatedPixels(frames, false));
  assert.throws(() => parse(file), /more than 100000 fragments/);
});
