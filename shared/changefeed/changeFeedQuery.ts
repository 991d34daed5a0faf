import type { ApiVersion } from '../http/apiVersion';
import { BadRequestError } from '../errors';

/** v1: entries after a sequence. */
export interface SequenceQuery {
  readonly kind: 'sequence';
  readonly afterSequence: number;
  readonly limit: number;
  readonly includeMetadata: boolean;
}

/** v2: entries in a time window, skipping the first `skip`. */
export interface TimeWindowQuery {
  readonly kind: 'timeWindow';
  readonly startTime: Date | undefined;
  readonly endTime: Date | undefined;
  readonly skip: number;
  readonly limit: number;
  readonly includeMetadata: boolean;
}

export type ChangeFeedQuery = SequenceQuery | TimeWindowQuery;

// The limits of the Azure DICOM service's change feed, per API version.
const V1_LIMIT = { fallback: 10, max: 100 };
const V2_LIMIT = { fallback: 100, max: 200 };

// ISO 8601 date or date-time, with an optional offset (a `+` that arrived unencoded reads as a space).
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/i;

/** The query of `GET changefeed`. Parameter names are matched case-insensitively, as ASP.NET does. */
export function parseChangeFeedQuery(query: URLSearchParams, apiVersion: ApiVersion): ChangeFeedQuery {
  const params = lowerCased(query);
  const includeMetadata = parseIncludeMetadata(query);
  if (apiVersion === 'v1') {
    return {
      kind: 'sequence',
      afterSequence: nonNegativeInteger(params, 'offset') ?? 0,
      limit: limit(params, V1_LIMIT),
      includeMetadata,
    };
  }
  const startTime = dateTime(params, 'startTime');
  const endTime = dateTime(params, 'endTime');
  if (startTime && endTime && endTime.getTime() <= startTime.getTime()) {
    throw new BadRequestError(`The value of 'endTime' must be later than 'startTime'.`, 'InvalidQueryParameter');
  }
  return {
    kind: 'timeWindow',
    startTime,
    endTime,
    skip: nonNegativeInteger(params, 'offset') ?? 0,
    limit: limit(params, V2_LIMIT),
    includeMetadata,
  };
}

/** `includemetadata`: true (the default) or false, in any case. */
export function parseIncludeMetadata(query: URLSearchParams): boolean {
  const raw = lowerCased(query).get('includemetadata');
  if (raw === undefined) return true;
  const value = raw.trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid('includemetadata', raw, "'true' or 'false'");
}

function lowerCased(query: URLSearchParams): Map<string, string> {
  const params = new Map<string, string>();
  for (const [name, value] of query) {
    const key = name.toLowerCase();
    if (!params.has(key)) params.set(key, value);
  }
  return params;
}

function nonNegativeInteger(params: Map<string, string>, name: string): number | undefined {
  const raw = params.get(name.toLowerCase());
  if (raw === undefined) return undefined;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) throw invalid(name, raw, 'a non-negative integer');
  return value;
}

function limit(params: Map<string, string>, bounds: { fallback: number; max: number }): number {
  const raw = params.get('limit');
  if (raw === undefined) return bounds.fallback;
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > bounds.max) {
    throw invalid('limit', raw, `an integer from 1 to ${bounds.max}`);
  }
  return value;
}

function dateTime(params: Map<string, string>, name: string): Date | undefined {
  const raw = params.get(name.toLowerCase());
  if (raw === undefined) return undefined;
  let text = raw.trim().replace(/ (\d{2}:\d{2})$/, '+$1');
  if (!ISO_DATE_TIME.test(text)) throw invalid(name, raw, 'an ISO 8601 date and time');
  // Without an offset the time is UTC, as the service's clock is; JavaScript would read it as local.
  if (/T\d{2}:\d{2}/i.test(text) && !/(?:Z|[+-]\d{2}:\d{2})$/i.test(text)) text += 'Z';
  const value = new Date(text);
  if (Number.isNaN(value.getTime())) throw invalid(name, raw, 'an ISO 8601 date and time');
  return value;
}

function invalid(name: string, raw: string, expected: string): BadRequestError {
  return new BadRequestError(
    `The value '${raw}' of the query parameter '${name}' is invalid: expected ${expected}.`,
    'InvalidQueryParameter',
  );
}
