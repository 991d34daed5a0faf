/**
 * Search Workitems (PS3.18 11.9): the driver's index yields candidate UIDs; each candidate's
 * entity is read (16 at a time, in order) and checked against every filter until offset + limit
 * match. So a search reads in proportion to its results, plus the entries that point at workitems
 * that no longer match (a state changed since; a crashed write's leftovers).
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { odata, type TableEntity } from '@azure/data-tables';
import type { DicomJsonDataset } from '../dicom/dicomJson';
import { getConfig } from '../config';
import { SearchCost } from '../search/searchCost';
import { table } from '../storage/clients';
import { ensureStorage } from '../storage/provision';
import { asServiceUnavailable, isStorageStatus } from '../storage/storageErrors';
import { returnedDataset } from './workitemResults';
import { DICOM_JSON } from './workitemBody';
import { planScans, scanCandidates } from './workitemCandidates';
import { requireDicomJsonAccept, warningHeader } from './workitemHttp';
import { matchesWorkitem } from './workitemMatch';
import { parseWorkitemQuery, type WorkitemQuery } from './workitemQuery';
import { recordOf, ROW_KEY } from './workitemStore';

const CONCURRENT_READS = 16;
/** The most index entries or entities one page of a scan may return. */
const MAX_PAGE = 1000;
export const PARTIAL_WARNING = 'Some matching workitems could not be read; the results are partial.';

export interface WorkitemSearchResult {
  readonly datasets: DicomJsonDataset[];
  /** A candidate's entity could not be read as a workitem. */
  readonly partial: boolean;
}

export async function searchWorkitemsHttp(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  requireDicomJsonAccept(request);
  const query = parseWorkitemQuery(request.query);
  const cost = new SearchCost();
  let result: WorkitemSearchResult;
  try {
    await ensureStorage();
    result = await searchWorkitems(query, cost);
  } catch (error) {
    throw asServiceUnavailable(error, 'search workitems');
  }
  context.log(`Search workitems returned ${result.datasets.length}; read ${cost.toString()}`);
  const headers: Record<string, string> = {};
  if (getConfig().search.costHeader) headers['X-Search-Cost'] = cost.toString();
  if (result.partial) headers.Warning = warningHeader(request, PARTIAL_WARNING);
  if (result.datasets.length === 0 && !result.partial) return { status: 204, headers };
  headers['Content-Type'] = DICOM_JSON;
  return {
    status: result.partial ? 206 : 200,
    headers,
    body: JSON.stringify(result.datasets.map((d) => returnedDataset(d, query))),
  };
}

export async function searchWorkitems(query: WorkitemQuery, cost: SearchCost): Promise<WorkitemSearchResult> {
  const wanted = query.offset + query.limit;
  const pageSize = Math.min(MAX_PAGE, wanted + CONCURRENT_READS);
  const scans = planScans(query.filters);
  const matched: DicomJsonDataset[] = [];
  let partial = false;
  if (!scans) {
    // No index serves the filters: walk the workitems themselves (each entity is read once).
    const pages = table('workitems')
      .listEntities<TableEntity>({ queryOptions: { filter: odata`RowKey eq ${ROW_KEY}` } })
      .byPage({ maxPageSize: pageSize });
    for await (const page of pages) {
      cost.read(page.length);
      for (const entity of page) {
        const record = recordOf(entity.partitionKey, entity);
        if (!record) partial = true;
        else if (matchesWorkitem(record.dataset, query.filters)) matched.push(record.dataset);
        if (matched.length >= wanted) return { datasets: matched.slice(query.offset), partial };
      }
    }
    return { datasets: matched.slice(query.offset), partial };
  }
  const seen = new Set<string>();
  let batch: string[] = [];
  const flush = async (): Promise<boolean> => {
    const reads = await Promise.all(batch.map((uid) => readCandidate(uid, cost)));
    batch = [];
    for (const read of reads) {
      if (read === 'unreadable') partial = true;
      else if (read && matchesWorkitem(read, query.filters)) matched.push(read);
      if (matched.length >= wanted) return true;
    }
    return false;
  };
  for await (const uid of scanCandidates(scans, cost, pageSize)) {
    if (seen.has(uid)) continue;
    seen.add(uid);
    batch.push(uid);
    if (batch.length >= CONCURRENT_READS && (await flush())) break;
  }
  if (matched.length < wanted && batch.length > 0) await flush();
  return { datasets: matched.slice(query.offset, wanted), partial };
}

/** The candidate's dataset; undefined when it does not exist (a failed create's entries). */
async function readCandidate(uid: string, cost: SearchCost): Promise<DicomJsonDataset | 'unreadable' | undefined> {
  let entity: TableEntity;
  try {
    entity = await table('workitems').getEntity(uid, ROW_KEY);
  } catch (error) {
    cost.read(0);
    if (isStorageStatus(error, 404)) return undefined;
    throw error;
  }
  cost.read(1);
  return recordOf(uid, entity)?.dataset ?? 'unreadable';
}
