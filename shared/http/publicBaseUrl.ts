/**
 * The base of absolute URLs the service writes into responses (STOW RetrieveURLs). The request's
 * URL is built by the Functions library from the client's Host (forwarded as X-Forwarded-Host), so
 * it is only used when its authority is a plain host[:port]; a configured public base URL wins.
 */
import { BadRequestError } from '../errors';

/** A DNS name or IPv4 address (RFC 3986 reg-name without escapes), or a bracketed IPv6 literal, and a port. */
const PLAIN_AUTHORITY = /^(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
/** RFC 1035's limit on a host name, plus room for a port. */
const MAX_AUTHORITY_LENGTH = 261;

/** `https://host[:port]` of the request, or `configured` (DICOM_PUBLIC_BASE_URL) when set. */
export function publicBaseUrl(requestUrl: string, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  let url: URL | undefined;
  try {
    url = new URL(requestUrl);
  } catch {
    url = undefined;
  }
  // The authority as written is checked, not only the parsed one: the parser keeps quotes and
  // braces in a host, drops credentials (`a@b`) and resolves escapes; a Host it would "repair" is
  // refused instead of turned into some other name.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(requestUrl)?.[1] ?? '';
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    authority.length > MAX_AUTHORITY_LENGTH ||
    !PLAIN_AUTHORITY.test(authority)
  ) {
    throw new BadRequestError(
      "The request's Host is not a valid host name and port, so no URL to the stored instances can be built.",
      'InvalidHost',
    );
  }
  return url.origin;
}
