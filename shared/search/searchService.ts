/**
 * Search (QIDO-RS, PS3.18 10.6): parses the request, runs it, and answers a DICOM JSON array
 * (204 when nothing matches, as the Azure DICOM service does).
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { getConfig } from '../config';
import { NotAcceptableError } from '../errors';
import { acceptsMediaType } from '../http/negotiation';
import type { RouteParams } from '../http/routeParams';
import { uidParam } from '../http/uidParam';
import { acceptsGzip } from '../retrieve/jsonBody';
import { ensureStorage } from '../storage/provision';
import { asServiceUnavailable } from '../storage/storageErrors';
import { listTags } from '../extendedQueryTags/tagStore';
import { namesOtherAttributes, parseSearchQuery } from './queryParser';
import { resultDataset, returnedTags } from './resultDatasets';
import { SearchCost } from './searchCost';
import { executeSearch } from './searchExecutor';
import type { SearchResource } from './searchableAttributes';
import { SearchReads } from './searchReads';
import type { SearchQuery } from './searchQuery';

const DICOM_JSON = 'application/dicom+json';
// Off the event loop: a page of 200 studies with includefield=all is a few hundred KB.
const gzipAsync = promisify(gzip);
/** Below this, compressing costs more than it saves. */
const GZIP_MIN_BYTES = 1024;

export async function searchHttp(
  resource: SearchResource,
  request: HttpRequest,
  context: InvocationContext,
  params: RouteParams,
): Promise<HttpResponseInit> {
  if (!acceptsMediaType(request.headers.get('accept'), DICOM_JSON)) {
    throw new NotAcceptableError(`Search responds with ${DICOM_JSON}; the Accept header does not allow it.`);
  }
  const scope = {
    studyInstanceUid: params.study === undefined ? undefined : uidParam(params.study, 'StudyInstanceUID'),
    seriesInstanceUid: params.series === undefined ? undefined : uidParam(params.series, 'SeriesInstanceUID'),
  };
  // Read fresh (one query, only when a parameter is not built in): a PATCH or DELETE applies at once.
  let extendedTags;
  if (namesOtherAttributes(request.query)) {
    await ensureStorage();
    try {
      extendedTags = new Map((await listTags()).map((t) => [t.path, t]));
    } catch (error) {
      throw asServiceUnavailable(error, 'search');
    }
  }
  const query = parseSearchQuery(resource, request.query, scope, extendedTags);
  await ensureStorage();
  const cost = new SearchCost();
  let results: object[];
  try {
    results = await search(query, cost);
  } catch (error) {
    throw asServiceUnavailable(error, 'search');
  }
  context.log(`Search ${resource} returned ${results.length}; read ${cost.toString()}`);
  const headers: Record<string, string> = { Vary: 'Accept-Encoding' };
  if (getConfig().search.costHeader) headers['X-Search-Cost'] = cost.toString();
  // Azure's header: the filters on tags whose reindex found invalid values (results may miss instances).
  const erroneous = (query.extendedFilters ?? []).filter((f) => f.tag.errorCount > 0).map((f) => f.name);
  if (erroneous.length > 0) headers['erroneous-dicom-attributes'] = erroneous.join(',');
  if (results.length === 0) return { status: 204, headers };
  const json = Buffer.from(JSON.stringify(results), 'utf8');
  headers['Content-Type'] = DICOM_JSON;
  if (json.length >= GZIP_MIN_BYTES && acceptsGzip(request.headers.get('accept-encoding'))) {
    headers['Content-Encoding'] = 'gzip';
    return { status: 200, headers, body: await gzipAsync(json) };
  }
  return { status: 200, headers, body: json };
}

/** One page of results; the reads stop as soon as the page is full. */
export async function search(query: SearchQuery, cost: SearchCost): Promise<object[]> {
  const tags = returnedTags(query);
  const results: object[] = [];
  let skipped = 0;
  for await (const hit of executeSearch(query, new SearchReads(cost))) {
    if (skipped < query.offset) {
      skipped += 1;
      continue;
    }
    results.push(resultDataset(hit, query, tags));
    if (results.length >= query.limit) break;
  }
  return results;
}
