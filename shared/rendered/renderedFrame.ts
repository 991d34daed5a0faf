/** The `{frame}` of a rendered frame URL: exactly one 1-based frame number. */
import { BadRequestError } from '../errors';
import { parseFrameList } from '../retrieve/frameList';

export function parseRenderedFrame(value: string | undefined): number {
  const frames = parseFrameList(value);
  const [frame] = frames;
  if (frames.length !== 1 || frame === undefined) {
    throw new BadRequestError('A rendered image is one frame: give one frame number.', 'InvalidFrameNumber');
  }
  return frame;
}
