/** The `{frames}` path segment of Retrieve Frames: `1`, `1,2,3` (PS3.18 8.3.2.4, 1-based). */
import { BadRequestError } from '../errors';

const MAX_FRAMES_PER_REQUEST = 10_000;

export function parseFrameList(value: string | undefined): number[] {
  const frames = (value ?? '').split(',').map((piece) => (/^\s*\d+\s*$/.test(piece) ? Number(piece) : NaN));
  if (
    frames.length === 0 ||
    frames.length > MAX_FRAMES_PER_REQUEST ||
    frames.some((n) => !(n >= 1) || !Number.isSafeInteger(n))
  ) {
    throw new BadRequestError(
      `The specified frames value '${value ?? ''}' is not valid. At least one frame must be present, and all requested frames must have value greater than 0.`,
      'InvalidFrameNumber',
    );
  }
  return frames;
}
