/**
 * Extended query tags in a search: candidates from a tag's index when it is the most selective
 * filter (reads in proportion to the entries that match), and every tag filter checked on each
 * hit with a point read of the entity's value row (cached per search: the series of one study
 * share their study's row). Cost per result: one index entry, one value row, the summary reads.
 */
import { odata, type TableEntity } from '@azure/data-tables';
import type { Candidate } from '../search/candidateSource';
import type { SearchCost } from '../search/searchCost';
import type { SearchHit } from '../search/searchExecutor';
import { getEntityIfExists } from '../storage/entityReads';
import type { ExtendedFilter } from './tagFilter';
import { storedValueMatches } from './tagFilter';
import {
  definitionPrefix,
  entityKeyOf,
  entityOfKey,
  exactKindOf,
  indexKeyPrefix,
  tableKey,
  tagIndexTable,
  tagValueTable,
  valuePartition,
} from './tagIndex';

/** Same scale as candidateSource's ranks (lower is more selective). */
export function tagRank(filter: ExtendedFilter): number {
  const c = filter.condition;
  if (c.kind === 'exact') return 4;
  if (c.kind === 'fuzzy') return 6;
  return c.from !== undefined && c.to !== undefined ? 5 : 8;
}

function scanFilter(filter: ExtendedFilter): string {
  const c = filter.condition;
  const tag = filter.tag;
  switch (c.kind) {
    case 'exact': {
      const prefix = indexKeyPrefix(tag, exactKindOf(tag.vr), c.key);
      return odata`PartitionKey ge ${prefix} and PartitionKey lt ${`${prefix}~`}`;
    }
    case 'fuzzy': {
      const longest = [...c.words].sort((a, b) => b.length - a.length)[0] ?? '';
      const prefix = `${definitionPrefix(tag)}W${tableKey(longest)}`;
      return odata`PartitionKey ge ${prefix} and PartitionKey lt ${`${prefix}\uffff`}`;
    }
    case 'range': {
      const base = `${definitionPrefix(tag)}R`;
      const from = `${base}${c.from === undefined ? '' : tableKey(c.from)}`;
      const to = `${base}${c.to === undefined ? '' : tableKey(c.to)}\uffff`;
      return odata`PartitionKey ge ${from} and PartitionKey lt ${to}`;
    }
  }
}

/** Candidates from the tag's index, in index order (duplicates possible). */
export async function* tagCandidates(
  filter: ExtendedFilter,
  cost: SearchCost,
  pageSize: number,
): AsyncGenerator<Candidate> {
  const pages = tagIndexTable()
    .listEntities<TableEntity>({ queryOptions: { filter: scanFilter(filter), select: ['RowKey'] } })
    .byPage({ maxPageSize: pageSize });
  for await (const page of pages) {
    cost.read(page.length);
    for (const entry of page) yield entityOfKey(filter.tag.level, entry.rowKey);
  }
}

/** Hits checked at once (point reads in flight). */
const CHECK_CONCURRENCY = 16;

/** The hits that satisfy every tag filter, in their order. */
export async function* filterByTags(
  hits: AsyncIterable<SearchHit>,
  filters: readonly ExtendedFilter[],
  cost: SearchCost,
  wanted: number,
): AsyncGenerator<SearchHit> {
  const values = new Map<string, Promise<string | undefined>>();
  const valueOf = (filter: ExtendedFilter, entityKey: string) => {
    const pk = valuePartition(filter.tag, entityKey);
    const id = `${pk}\n${entityKey}`;
    let found = values.get(id);
    if (!found) {
      found = getEntityIfExists<{ V?: string }>(tagValueTable(), pk, entityKey).then((row) => {
        cost.read(row ? 1 : 0);
        return row?.V;
      });
      values.set(id, found);
    }
    return found;
  };
  const check = async (hit: SearchHit) => {
    const key = {
      studyInstanceUid: hit.study.studyInstanceUid,
      seriesInstanceUid: hit.series?.seriesInstanceUid ?? hit.instance?.seriesInstanceUid ?? '',
      sopInstanceUid: hit.instance?.sopInstanceUid ?? '',
    };
    for (const filter of filters) {
      if (!storedValueMatches(filter, await valueOf(filter, entityKeyOf(filter.tag.level, key)))) return false;
    }
    return true;
  };
  // Never more checks in flight than results still wanted: a page reads what it returns.
  const window: { hit: SearchHit; ok: Promise<boolean> }[] = [];
  let found = 0;
  const room = () => Math.max(1, Math.min(CHECK_CONCURRENCY, wanted - found));
  for await (const hit of hits) {
    const ok = check(hit);
    ok.catch(() => undefined);
    window.push({ hit, ok });
    while (window.length >= room()) {
      const first = window.shift();
      if (first && (await first.ok)) {
        found++;
        yield first.hit;
      }
    }
  }
  for (const { hit, ok } of window) if (await ok) yield hit;
}
