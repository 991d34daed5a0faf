import type { TypedData } from '../worker/coreTypes';
import { SKIPPED_QUERY_PARAMETER } from './hostRules';

/**
 * The trigger metadata the host sends with an HTTP invocation: query parameters, then the route
 * values over them, in one case-insensitive dictionary whose keys keep the case they were first
 * added with (as .NET's Dictionary with OrdinalIgnoreCase does), plus `Query` and `Headers`.
 * Repeated query parameters and headers are joined with "," (StringValues.ToString()).
 * Source: azure-webjobs-sdk-extensions HttpTriggerAttributeBindingProvider.GetRequestBindingData.
 */
export function httpTriggerMetadata(
  url: URL,
  routeValues: Readonly<Record<string, string>>,
  rawHeaders: readonly string[],
): Record<string, TypedData> {
  const data = new CaseInsensitiveMap();
  const query = new CaseInsensitiveMap();
  for (const key of new Set(url.searchParams.keys())) {
    const value = url.searchParams.getAll(key).join(',');
    query.set(key, value);
    if (key.toLowerCase() !== SKIPPED_QUERY_PARAMETER) data.set(key, value);
  }
  for (const [key, value] of Object.entries(routeValues)) data.set(key, value);

  const joinedHeaders: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    joinedHeaders[name] = name in joinedHeaders ? `${joinedHeaders[name]},${value}` : value;
  }
  const metadata: Record<string, TypedData> = {};
  for (const [key, value] of data.entries()) metadata[key] = { string: value };
  // A query parameter or route value named Query or Headers keeps its place, as in the host.
  const taken = new Set(Object.keys(metadata).map((key) => key.toLowerCase()));
  if (!taken.has('query')) metadata.Query = { json: JSON.stringify(Object.fromEntries(query.entries())) };
  if (!taken.has('headers')) metadata.Headers = { json: JSON.stringify(joinedHeaders) };
  return metadata;
}

class CaseInsensitiveMap {
  readonly #entries = new Map<string, { key: string; value: string }>();

  set(key: string, value: string): void {
    const existing = this.#entries.get(key.toLowerCase());
    this.#entries.set(key.toLowerCase(), { key: existing?.key ?? key, value });
  }

  *entries(): Generator<[string, string]> {
    for (const { key, value } of this.#entries.values()) yield [key, value];
  }
}
