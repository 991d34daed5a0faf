/**
 * The query parameters of rendered and thumbnail requests: `quality` (Azure DICOM service), and
 * PS3.18 8.3.5's `window` and `viewport`.
 */
import { BadRequestError } from '../errors';
import type { RenderOutput } from '../pixels/pixelTasks';
import type { RenderedFormat } from './renderedNegotiation';

/** Largest viewport side: a rendered image is never scaled above this many pixels a side. */
export const MAX_VIEWPORT_SIDE = 4096;

export function renderOutputOf(
  query: URLSearchParams,
  format: RenderedFormat,
  defaults: Partial<RenderOutput> = {},
): RenderOutput {
  const quality = parseQuality(query.get('quality'));
  const window = parseWindow(query.get('window'));
  const viewport = parseViewport(query.get('viewport')) ?? defaults.viewport;
  return {
    format,
    quality: quality ?? defaults.quality ?? 100,
    ...(window ? { window } : {}),
    ...(viewport ? { viewport } : {}),
  };
}

function parseQuality(value: string | null): number | undefined {
  if (value === null) return undefined;
  const quality = /^\s*\d{1,3}\s*$/.test(value) ? Number(value) : NaN;
  if (!(quality >= 1 && quality <= 100)) {
    throw new BadRequestError('Image quality must be between 1 and 100 inclusive', 'InvalidQuality');
  }
  return quality;
}

const NUMBER = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** `window=center,width[,function]`; only the linear function (PS3.3 C.11.2.1.2.1) is offered. */
function parseWindow(value: string | null): RenderOutput['window'] {
  if (value === null) return undefined;
  const [center, width, fn, ...rest] = value.split(',');
  const invalid = (): BadRequestError =>
    new BadRequestError(
      `The window parameter '${value.slice(0, 60)}' is not valid: it must be center,width[,linear] with a width of at least 1.`,
      'InvalidWindow',
    );
  if (center === undefined || width === undefined || rest.length > 0) throw invalid();
  if (!NUMBER.test(center) || !NUMBER.test(width)) throw invalid();
  if (fn !== undefined && fn.trim().toLowerCase() !== 'linear') throw invalid();
  const parsed = { center: Number(center), width: Number(width) };
  if (!Number.isFinite(parsed.center) || !(parsed.width >= 1) || !Number.isFinite(parsed.width)) throw invalid();
  return parsed;
}

/** `viewport=width,height` (PS3.18 8.3.5.1.3): the image is scaled to fit inside, keeping its aspect ratio. */
function parseViewport(value: string | null): RenderOutput['viewport'] {
  if (value === null) return undefined;
  const pieces = value.split(',');
  const [width, height] = pieces.map((piece) => (/^\s*\d{1,5}\s*$/.test(piece) ? Number(piece) : NaN));
  const valid = (side: number | undefined): side is number =>
    side !== undefined && side >= 1 && side <= MAX_VIEWPORT_SIDE;
  if (pieces.length !== 2 || !valid(width) || !valid(height)) {
    throw new BadRequestError(
      `The viewport parameter '${value.slice(0, 60)}' is not valid: it must be width,height, each from 1 to ${MAX_VIEWPORT_SIDE}.`,
      'InvalidViewport',
    );
  }
  return { width, height };
}
