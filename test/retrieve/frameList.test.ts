// The frame list of Retrieve Frames: repeats served once, at most MAX_FRAMES_PER_REQUEST distinct frames, a byte budget.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BadRequestError } from '../../shared/errors';
import {
  checkFrameResponseBytes,
  MAX_FRAME_RESPONSE_BYTES,
  MAX_FRAMES_PER_REQUEST,
  parseFrameList,
} from '../../shared/retrieve/frameList';

function assertBadRequest(run: () => unknown, message: RegExp, code: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof BadRequestError, String(error));
    assert.equal(error.status, 400);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

test('repeated frame numbers are served once, in the order of their first occurrence', () => {
  assert.deepEqual(parseFrameList('3,1,3,2,1'), [3, 1, 2]);
  assert.deepEqual(parseFrameList(Array(7900).fill('1').join(',')), [1]);
  assert.deepEqual(parseFrameList(' 2 ,1'), [2, 1]);
});

test('at most MAX_FRAMES_PER_REQUEST distinct frames; the 400 states the limit', () => {
  const all = Array.from({ length: MAX_FRAMES_PER_REQUEST }, (_, i) => i + 1);
  assert.deepEqual(parseFrameList(all.join(',')), all);
  // Repeats do not count towards the limit.
  assert.equal(parseFrameList(`${all.join(',')},1,2,3`).length, MAX_FRAMES_PER_REQUEST);
  assertBadRequest(
    () => parseFrameList([...all, MAX_FRAMES_PER_REQUEST + 1].join(',')),
    new RegExp(`${MAX_FRAMES_PER_REQUEST + 1} distinct frames; at most ${MAX_FRAMES_PER_REQUEST} `),
    'TooManyFrames',
  );
});

test('malformed lists are refused, echoing at most 100 characters of the list', () => {
  for (const value of ['', '0', '1,,2', '-1', '1,a', '1.5', '99999999999999999999']) {
    assertBadRequest(() => parseFrameList(value), /is not valid/, 'InvalidFrameNumber');
  }
  const long = `${'1,'.repeat(500)}x`;
  assert.throws(
    () => parseFrameList(long),
    (error: unknown) => error instanceof Error && error.message.includes(`'${long.slice(0, 100)}…'`),
  );
});

test('several frames are refused above the byte budget, before any read; one frame always passes', () => {
  checkFrameResponseBytes([MAX_FRAME_RESPONSE_BYTES / 2, MAX_FRAME_RESPONSE_BYTES / 2]);
  checkFrameResponseBytes([MAX_FRAME_RESPONSE_BYTES * 4]);
  assertBadRequest(
    () => checkFrameResponseBytes([MAX_FRAME_RESPONSE_BYTES / 2, MAX_FRAME_RESPONSE_BYTES / 2 + 1]),
    new RegExp(
      `2 requested frames hold ${MAX_FRAME_RESPONSE_BYTES + 1} bytes; .* limited to ${MAX_FRAME_RESPONSE_BYTES} bytes`,
    ),
    'FramesTooLarge',
  );
  assertBadRequest(() => checkFrameResponseBytes([60, 50], 100), /limited to 100 bytes/, 'FramesTooLarge');
});
