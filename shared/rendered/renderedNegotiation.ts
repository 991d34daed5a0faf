/**
 * The image type of a rendered response. The Azure DICOM service takes exactly one of image/jpeg
 * and image/png and answers anything else with 406, star/star included; here, like PS3.18 8.7.3,
 * the most preferred acceptable range wins, and image/star or star/star (what browsers and
 * <img> tags send) get JPEG.
 */
import type { HttpRequest } from '@azure/functions';
import { NotAcceptableError } from '../errors';
import { parseAccept } from '../http/negotiation';

export type RenderedFormat = 'jpeg' | 'png';

export const RENDERED_MEDIA_TYPES: Readonly<Record<RenderedFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
};

/**
 * The request's acceptable types: the `accept` query parameter (PS3.18 8.3.3.1, what an <img>
 * URL can carry) replaces the header when present.
 */
export function renderedAccept(request: HttpRequest): string | null {
  return request.query.get('accept') ?? request.headers.get('accept');
}

export function negotiateRendered(accept: string | null): RenderedFormat {
  for (const { mediaType, q } of parseAccept(accept)) {
    if (q <= 0) continue;
    if (mediaType.essence === 'image/png') return 'png';
    if (mediaType.essence === 'image/jpeg' || mediaType.essence === 'image/*' || mediaType.essence === '*/*') {
      return 'jpeg';
    }
  }
  throw new NotAcceptableError(
    'The request headers are not acceptable: rendered images are served as image/jpeg or image/png.',
  );
}
