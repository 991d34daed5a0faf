/**
 * The `{frames}` path segment of Retrieve Frames: `1`, `1,2,3` (PS3.18 8.3.2.4, 1-based).
 * PS3.18 defines the list as non-duplicate frame numbers in any order; clients that repeat one
 * are served each frame once, at its first position, so a repeated number costs nothing.
 */
import { BadRequestError } from '../errors';

/**
 * Most distinct frames in one request. Each frame is its own Blob range read; viewers ask for one
 * frame, or a handful, per request. 1000 covers a whole cine loop or tomosynthesis stack in one
 * request while bounding the reads a single request can start.
 */
export const MAX_FRAMES_PER_REQUEST = 1000;

/**
 * Most frame bytes in one response of several frames: 512 MiB, twice the default STOW body limit,
 * so with default settings no instance stored here reaches it (a deduplicated list never asks for
 * more than the instance holds). It bounds the egress and time of one request where larger
 * instances exist. One frame is always served, whatever its size: it cannot be split further.
 */
export const MAX_FRAME_RESPONSE_BYTES = 512 * 1024 * 1024;

/** The frame numbers in first-occurrence order, without repeats. */
export function parseFrameList(value: string | undefined): number[] {
  const pieces = (value ?? '').split(',');
  const frames = new Set<number>();
  for (const piece of pieces) {
    const n = /^\s*\d+\s*$/.test(piece) ? Number(piece) : NaN;
    if (!(n >= 1) || !Number.isSafeInteger(n)) throw invalidFrames(value);
    frames.add(n);
  }
  if (frames.size > MAX_FRAMES_PER_REQUEST) {
    throw new BadRequestError(
      `The request asks for ${frames.size} distinct frames; at most ${MAX_FRAMES_PER_REQUEST} are served per request. ` +
        'Split the frame list into several requests.',
      'TooManyFrames',
    );
  }
  return [...frames];
}

/** Refuses a response of several frames whose bytes (known from the frame index) exceed `maxBytes`. */
export function checkFrameResponseBytes(frameLengths: readonly number[], maxBytes = MAX_FRAME_RESPONSE_BYTES): void {
  if (frameLengths.length <= 1) return;
  const total = frameLengths.reduce((sum, length) => sum + length, 0);
  if (total > maxBytes) {
    throw new BadRequestError(
      `The ${frameLengths.length} requested frames hold ${total} bytes; a response of several frames is limited to ${maxBytes} bytes. ` +
        'Ask for fewer frames per request.',
      'FramesTooLarge',
    );
  }
}

function invalidFrames(value: string | undefined): BadRequestError {
  // The list can be kilobytes long; the message echoes only its start.
  const shown = (value ?? '').length > 100 ? `${(value ?? '').slice(0, 100)}…` : (value ?? '');
  return new BadRequestError(
    `The specified frames value '${shown}' is not valid. At least one frame must be present, and all requested frames must have value greater than 0.`,
    'InvalidFrameNumber',
  );
}
