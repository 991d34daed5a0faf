// What one request may decode: checked from the image attributes before any codec runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodedFrameBytes,
  frameTooLarge,
  instanceTooLarge,
  MAX_DECODED_INSTANCE_BYTES,
  MAX_FRAME_PIXELS,
} from '../../shared/pixels/pixelLimits';

const ct = { rows: 512, columns: 512, samplesPerPixel: 1, bitsAllocated: 16, frames: 1 };

test('a frame is decoded up to MAX_FRAME_PIXELS pixels; the refusal says what to ask for instead', () => {
  assert.equal(frameTooLarge({ ...ct, rows: 6144, columns: 6144 }), undefined);
  assert.equal(6144 * 6144, MAX_FRAME_PIXELS);
  const refusal = frameTooLarge({ ...ct, rows: 6144, columns: 6145 });
  assert.match(refusal ?? '', /6145 x 6144 pixels is above the limit of 37748736/);
  assert.match(refusal ?? '', /transfer-syntax=\*/);
  // A compressed file can claim any size: 65535 x 65535 is refused before decoding.
  assert.ok(frameTooLarge({ ...ct, rows: 65535, columns: 65535 }));
});

test('a whole instance is decoded up to MAX_DECODED_INSTANCE_BYTES', () => {
  assert.equal(decodedFrameBytes(ct), 512 * 512 * 2);
  assert.equal(decodedFrameBytes({ ...ct, bitsAllocated: 12 }), 512 * 512 * 2);
  const fits = Math.floor(MAX_DECODED_INSTANCE_BYTES / decodedFrameBytes(ct));
  assert.equal(instanceTooLarge({ ...ct, frames: fits }), undefined);
  assert.match(
    instanceTooLarge({ ...ct, frames: fits + 1 }) ?? '',
    /decodes to \d+ bytes, above the limit of 104857600/,
  );
  assert.ok(instanceTooLarge({ ...ct, rows: 7000, columns: 7000 }), 'a frame too large is an instance too large');
});
