/**
 * Content negotiation on the Accept header (RFC 9110 12.5.1), with DICOM's one addition: a
 * parameter value of `*` in a media range (PS3.18 8.7.3.5, `transfer-syntax=*`) accepts any value.
 */
import { parseMediaType, splitOutsideQuotes, type MediaType } from './mediaType';

export { parseMediaType, type MediaType } from './mediaType';

/** One media range of an Accept header and its weight. */
export interface MediaRange {
  /** The range without its weight: `q` and the extension parameters after it are removed. */
  readonly mediaType: MediaType;
  /** From 0 to 1; 0 means "not acceptable". */
  readonly q: number;
}

/** What the helpers below take: the raw header (null when absent) or its parsed ranges. */
export type AcceptInput = string | null | undefined | readonly MediaRange[];

// An absent Accept means the client takes anything (RFC 9110 12.5.1).
const ANY_RANGE: MediaRange = {
  mediaType: { type: '*', subtype: '*', essence: '*/*', params: new Map() },
  q: 1,
};

/**
 * The media ranges of an Accept header, most preferred first: by weight, then by specificity,
 * then in header order. Malformed ranges are skipped; when none is left, or the header is absent
 * or empty, the answer is one match-all (star/star) range with weight 1.
 */
export function parseAccept(header: string | null | undefined): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const element of splitOutsideQuotes(header ?? '', ',')) {
    const range = parseMediaRange(element);
    if (range) ranges.push(range);
  }
  if (ranges.length === 0) return [ANY_RANGE];
  // Array.prototype.sort is stable, so equal ranges keep their header order.
  return ranges.sort((a, b) => b.q - a.q || specificity(b.mediaType) - specificity(a.mediaType));
}

/**
 * The weight the client gives to `offer` (e.g. `application/dicom+json` or
 * `multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1`):
 * the weight of the most specific range that matches it, 0 when none does.
 */
export function mediaTypeQuality(accept: AcceptInput, offer: MediaType | string): number {
  const offered = asMediaType(offer);
  let best: { specificity: number; q: number } | undefined;
  for (const range of asRanges(accept)) {
    if (!rangeMatches(range.mediaType, offered)) continue;
    const rank = specificity(range.mediaType);
    if (!best || rank > best.specificity || (rank === best.specificity && range.q > best.q)) {
      best = { specificity: rank, q: range.q };
    }
  }
  return best?.q ?? 0;
}

/** Whether the client accepts `offer` at all: yes for an absent Accept or a match-all range, no for `q=0`. */
export function acceptsMediaType(accept: AcceptInput, offer: MediaType | string): boolean {
  return mediaTypeQuality(accept, offer) > 0;
}

/**
 * The offer the client prefers, or undefined when it accepts none (answer 406). `offers` are in
 * the server's order of preference, which breaks ties between equal weights.
 */
export function selectMediaType<T extends MediaType | string>(
  accept: AcceptInput,
  offers: readonly T[],
): T | undefined {
  const ranges = asRanges(accept);
  let chosen: { offer: T; q: number } | undefined;
  for (const offer of offers) {
    const q = mediaTypeQuality(ranges, offer);
    if (q > 0 && (!chosen || q > chosen.q)) chosen = { offer, q };
  }
  return chosen?.offer;
}

function parseMediaRange(element: string): MediaRange | undefined {
  const parsed = parseMediaType(element);
  // `*/json` is not a media range: a wildcard type needs a wildcard subtype.
  if (!parsed || (parsed.type === '*' && parsed.subtype !== '*')) return undefined;
  const params = new Map<string, string>();
  let q = 1;
  for (const [name, value] of parsed.params) {
    if (name === 'q') {
      const weight = parseWeight(value);
      if (weight === undefined) return undefined;
      q = weight;
      // Parameters after the weight are accept-extensions, not part of the range.
      break;
    }
    params.set(name, value);
  }
  return { mediaType: { ...parsed, params }, q };
}

/** RFC qvalues have at most three decimals; clients that send more, or more than 1, are clamped. */
function parseWeight(value: string): number | undefined {
  if (!/^\d+(\.\d*)?$/.test(value)) return undefined;
  return Math.min(1, Number(value));
}

function rangeMatches(range: MediaType, offer: MediaType): boolean {
  if (range.type !== '*' && range.type !== offer.type) return false;
  if (range.subtype !== '*' && range.subtype !== offer.subtype) return false;
  for (const [name, value] of range.params) {
    if (value === '*') continue;
    // Values compared without case: media types (`type=`), charsets and UIDs are all case-blind.
    if (offer.params.get(name)?.toLowerCase() !== value.toLowerCase()) return false;
  }
  return true;
}

/** Match-all (star/star) < `type/*` < `type/subtype` < the same with more non-wildcard parameters. */
function specificity(range: MediaType): number {
  if (range.type === '*') return 0;
  if (range.subtype === '*') return 100;
  let concrete = 0;
  for (const value of range.params.values()) if (value !== '*') concrete += 1;
  return 200 + concrete;
}

function asRanges(accept: AcceptInput): readonly MediaRange[] {
  return typeof accept === 'string' || accept === null || accept === undefined ? parseAccept(accept) : accept;
}

function asMediaType(offer: MediaType | string): MediaType {
  if (typeof offer !== 'string') return offer;
  const parsed = parseMediaType(offer);
  // Offers come from our own code, so a malformed one is a bug, not a client error.
  if (!parsed) throw new TypeError(`Not a media type: ${offer}`);
  return parsed;
}
