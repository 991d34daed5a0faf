import { BadRequestError } from '../errors';
import type { MediaType } from '../http/mediaType';

/**
 * RFC 2046 5.1.1 says 70, but real clients send longer ones (Orthanc's DICOMweb client joins two
 * UUIDs: 73 characters) and mainstream servers take them. The limit only has to keep the
 * delimiter search cheap and the header sane.
 */
export const MAX_BOUNDARY_LENGTH = 256;

/**
 * The boundary of a multipart Content-Type, quoted or not (dicomweb-client quotes it, cURL and
 * urllib3 do not). Throws a BadRequestError when it is missing or unusable.
 */
export function boundaryFromContentType(mediaType: MediaType): string {
  const boundary = mediaType.params.get('boundary');
  if (boundary === undefined) {
    throw new BadRequestError(
      `The Content-Type ${mediaType.essence} has no boundary parameter.`,
      'MultipartBoundaryMissing',
    );
  }
  assertValidBoundary(boundary);
  return boundary;
}

/**
 * 1 to 256 characters, no trailing space. Beyond RFC 2046's short character list, any
 * printable ASCII is let through: framing only needs a boundary without line breaks, and
 * refusing a client over a `!` would help nobody.
 */
export function assertValidBoundary(boundary: string): void {
  const printable = /^[\x20-\x7e]+$/.test(boundary);
  if (!printable || boundary.length > MAX_BOUNDARY_LENGTH || boundary.endsWith(' ')) {
    throw new BadRequestError(
      `The multipart boundary must be 1 to ${MAX_BOUNDARY_LENGTH} printable ASCII characters, not ending in a space.`,
      'MultipartBoundaryInvalid',
    );
  }
}
