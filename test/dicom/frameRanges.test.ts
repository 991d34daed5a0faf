// Reading stored frame indexes: the flat fragment format and the per-fragment objects of earlier releases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredFrameIndex } from '../../shared/dicom/frameIndex';
import { frameCountOf, frameRangesOf } from '../../shared/dicom/frameRanges';
import { PixelDataRecorder } from '../../shared/dicom/pixelDataRecorder';

// Three frames of fragments [4], [2, 6], [10], the first value at 100, each value after an 8-byte item header.
const flat: StoredFrameIndex = { kind: 'fragments', first: 100, lengths: [4, 2, 6, 10], frameStarts: [0, 1, 3] };
const ranges = [
  [{ offset: 100, length: 4 }],
  [
    { offset: 112, length: 2 },
    { offset: 122, length: 6 },
  ],
  [{ offset: 136, length: 10 }],
];
const legacy: StoredFrameIndex = { kind: 'encapsulated', frames: ranges };

test('the flat format gives the same frames as the per-fragment objects', () => {
  for (const index of [flat, legacy]) {
    assert.equal(frameCountOf(index), 3);
    for (const frame of [1, 2, 3]) {
      assert.deepEqual(frameRangesOf(index, frame), ranges[frame - 1]);
    }
  }
});

test('without frameStarts each fragment is a frame', () => {
  const index: StoredFrameIndex = { kind: 'fragments', first: 100, lengths: [4, 2, 6] };
  assert.equal(frameCountOf(index), 3);
  assert.deepEqual(frameRangesOf(index, 3), [{ offset: 122, length: 6 }]);
});

test('frames outside the index have no ranges', () => {
  const native: StoredFrameIndex = { kind: 'native', offset: 10, frameLength: 4, count: 2 };
  for (const index of [flat, legacy, native, { kind: 'fragments', first: 0, lengths: [1] } as const]) {
    assert.deepEqual(frameRangesOf(index, 0), []);
    assert.deepEqual(frameRangesOf(index, frameCountOf(index) + 1), []);
  }
  assert.deepEqual(frameRangesOf(native, 2), [{ offset: 14, length: 4 }]);
});

test('the recorder refuses fragments that do not follow each other: the flat format could not place them', () => {
  const recorder = new PixelDataRecorder();
  recorder.startFragment(100, 4);
  recorder.endFragment();
  recorder.startFragment(112, 2);
  recorder.endFragment();
  assert.throws(() => recorder.startFragment(200, 2), /fragment 3 does not follow the previous fragment/);
});
