/**
 * Thumbnails (PS3.18 10.4.1.1.5 "Retrieve Thumbnail"): a small JPEG of a representative frame of
 * a study, series or instance, which viewers' study browsers show by the dozen. The frame is the
 * first of the first instance with pixel data, in storage order; it is scaled to fit
 * THUMBNAIL_SIDE pixels (or the request's viewport). Not cached on the server: the client is told
 * it may keep it for a while.
 */
import type { HttpResponseInit } from '@azure/functions';
import { findFirstStoredImage, findStoredImage } from '../pixels/storedImage';
import type { RetrieveScope } from '../retrieve/retrieveScope';
import { negotiateRendered } from './renderedNegotiation';
import { renderOutputOf } from './renderedParams';
import { renderedResponse } from './renderedRetrieve';

/** Default thumbnail size: fits in 128 x 128 pixels, as OHIF's study browser shows them. */
export const THUMBNAIL_SIDE = 128;

/** How long a client may reuse a thumbnail: instances do not change, but they can be deleted. */
export const THUMBNAIL_CACHE_CONTROL = 'private, max-age=3600';

export async function retrieveThumbnail(
  scope: RetrieveScope,
  accept: string | null,
  query: URLSearchParams,
): Promise<HttpResponseInit> {
  const output = renderOutputOf(query, negotiateRendered(accept), {
    quality: 75,
    viewport: { width: THUMBNAIL_SIDE, height: THUMBNAIL_SIDE },
  });
  const image = scope.level === 'instance' ? await findStoredImage(scope) : await findFirstStoredImage(scope);
  return renderedResponse(image, 1, output, { 'Cache-Control': THUMBNAIL_CACHE_CONTROL });
}
