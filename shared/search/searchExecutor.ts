/**
 * Runs a parsed search: candidates from the driver index (or a walk of the summaries), each
 * checked against every filter, yielded in candidate order without duplicates. An index entry is
 * only a pointer, so each of its candidates is answered from its summary rows (a study: one point
 * read; a series: one query for the study and series rows), counts included; a walk of the
 * summaries brings its rows along. The caller stops pulling once it has its page, and the reads
 * stop with it.
 */
import { Tag } from '../dicom/tags';
import { filterByTags, tagCandidates, tagRank } from '../extendedQueryTags/tagSearch';
import { chooseDriver, indexCandidates, rank, walkCandidates, type Candidate } from './candidateSource';
import { attributeValues, matchesFilter } from './matcher';
import type { InstanceHit, SearchReads } from './searchReads';
import type { Filter, SearchQuery } from './searchQuery';
import type { SeriesSummary, StudySummary } from './studySummary';

export interface SearchHit {
  readonly study: StudySummary;
  readonly series?: SeriesSummary;
  readonly instance?: InstanceHit;
}

/** Candidates checked at once: enough to hide round trips, few enough to waste little past a page. */
const CHECK_CONCURRENCY = 16;

interface Checks {
  readonly study: (s: StudySummary) => boolean;
  readonly series: (s: SeriesSummary) => boolean;
  readonly instance: (i: InstanceHit) => boolean;
}

export function executeSearch(query: SearchQuery, reads: SearchReads): AsyncGenerator<SearchHit> {
  const tagFilters = query.extendedFilters ?? [];
  const hits = executeBuiltIn(query, reads);
  return tagFilters.length === 0 ? hits : filterByTags(hits, tagFilters, reads.cost, query.offset + query.limit);
}

function executeBuiltIn(query: SearchQuery, reads: SearchReads): AsyncGenerator<SearchHit> {
  const checks = checksFor(query.filters);
  // The checks run CHECK_CONCURRENCY candidates ahead of the page; one index page covers that
  // look-ahead, so a page of results does not read a second index page only to drop it.
  const pageSize = Math.min(1000, Math.max(50, query.offset + query.limit + CHECK_CONCURRENCY));
  const driver = chooseDriver(query.filters);
  // An extended query tag drives when it is more selective than every built-in filter.
  const tagDriver = [...(query.extendedFilters ?? [])].sort((a, b) => tagRank(a) - tagRank(b))[0];
  const useTag = tagDriver !== undefined && (driver === undefined || tagRank(tagDriver) < (rank(driver) ?? Infinity));
  const candidates = (level: 'study' | 'series' | 'instance'): AsyncGenerator<Candidate> =>
    useTag
      ? tagCandidates(tagDriver, reads.cost, pageSize)
      : driver
        ? indexCandidates(driver, reads.cost, pageSize)
        : walkCandidates(level, reads.cost, pageSize);
  const wanted = query.offset + query.limit;
  switch (query.resource) {
    case 'studies':
      return studies(candidates('study'), reads, checks, wanted);
    case 'series':
      return series(candidates('series'), reads, checks, wanted);
    case 'instances':
      return instances(candidates('instance'), reads, checks);
    case 'studySeries':
      return seriesOfStudy(query.studyInstanceUid ?? '', reads, checks);
    case 'studyInstances':
      return instancesOfStudy(query.studyInstanceUid ?? '', undefined, reads, checks);
    case 'studySeriesInstances':
      return instancesOfStudy(query.studyInstanceUid ?? '', query.seriesInstanceUid, reads, checks);
  }
}

async function* studies(
  source: AsyncIterable<Candidate>,
  reads: SearchReads,
  checks: Checks,
  wanted: number,
): AsyncGenerator<SearchHit> {
  const checked = checkAhead(
    distinct(source, (c) => c.studyInstanceUid),
    wanted,
    async (c) => {
      const study = c.study ?? (await reads.study(c.studyInstanceUid));
      return study && checks.study(study) ? [{ study }] : [];
    },
  );
  for await (const hits of checked) yield* hits;
}

async function* series(
  source: AsyncIterable<Candidate>,
  reads: SearchReads,
  checks: Checks,
  wanted: number,
): AsyncGenerator<SearchHit> {
  const key = (c: Candidate) => `${c.studyInstanceUid}|${c.seriesInstanceUid ?? ''}`;
  const checked = checkAhead(distinct(source, key), wanted, async (c): Promise<SearchHit[]> => {
    if (c.seriesInstanceUid === undefined) {
      const study = await reads.studyWithSeries(c.studyInstanceUid);
      if (!study || !checks.study(study)) return [];
      return study.series.filter(checks.series).map((s) => ({ study, series: s }));
    }
    // A walked series row brings itself; its study row is read once per study (cached).
    const { study, series: s } = c.series
      ? { study: await reads.study(c.studyInstanceUid), series: c.series }
      : await reads.studyAndSeries(c.studyInstanceUid, c.seriesInstanceUid);
    return study && s && checks.study(study) && checks.series(s) ? [{ study, series: s }] : [];
  });
  for await (const hits of checked) yield* hits;
}

async function* instances(
  source: AsyncIterable<Candidate>,
  reads: SearchReads,
  checks: Checks,
): AsyncGenerator<SearchHit> {
  const key = (c: Candidate) => `${c.studyInstanceUid}|${c.seriesInstanceUid ?? ''}|${c.sopInstanceUid ?? ''}`;
  for await (const c of distinct(source, key)) {
    if (c.sopInstanceUid === undefined) {
      yield* instancesOfStudy(c.studyInstanceUid, c.seriesInstanceUid, reads, checks);
      continue;
    }
    const seriesInstanceUid = c.seriesInstanceUid ?? '';
    const [{ study, series: s }, instance] = await Promise.all([
      reads.studyAndSeries(c.studyInstanceUid, seriesInstanceUid),
      c.hit ?? reads.instance(c.studyInstanceUid, seriesInstanceUid, c.sopInstanceUid),
    ]);
    if (study && s && instance && checks.study(study) && checks.series(s) && checks.instance(instance)) {
      yield { study, series: s, instance };
    }
  }
}

/**
 * Checks candidates in order, up to CHECK_CONCURRENCY at once, but never more at once than the
 * results still wanted: when every candidate matches (one indexed filter, the usual case), a
 * page of `limit` results reads `limit` candidates, not `limit` plus the look-ahead.
 */
async function* checkAhead<T>(
  source: AsyncIterable<T>,
  wanted: number,
  check: (candidate: T) => Promise<SearchHit[]>,
): AsyncGenerator<SearchHit[]> {
  const window: Promise<SearchHit[]>[] = [];
  let found = 0;
  const room = () => Math.max(1, Math.min(CHECK_CONCURRENCY, wanted - found));
  const next = async () => {
    const hits = await (window.shift() as Promise<SearchHit[]>);
    found += hits.length;
    return hits;
  };
  try {
    for await (const candidate of source) {
      const checking = check(candidate);
      // Failures surface when their turn comes; until then they must not count as unhandled.
      checking.catch(() => undefined);
      window.push(checking);
      while (window.length >= room()) yield await next();
    }
    while (window.length > 0) yield await next();
  } finally {
    window.length = 0;
  }
}

async function* seriesOfStudy(studyInstanceUid: string, reads: SearchReads, checks: Checks): AsyncGenerator<SearchHit> {
  const study = await reads.studyWithSeries(studyInstanceUid);
  if (!study) return;
  for (const s of study.series) if (checks.series(s)) yield { study, series: s };
}

async function* instancesOfStudy(
  studyInstanceUid: string,
  seriesInstanceUid: string | undefined,
  reads: SearchReads,
  checks: Checks,
): AsyncGenerator<SearchHit> {
  const study =
    seriesInstanceUid === undefined
      ? await reads.studyWithSeries(studyInstanceUid)
      : await reads.study(studyInstanceUid);
  if (!study || !checks.study(study)) return;
  const seriesOf = async (uid: string) =>
    seriesInstanceUid === undefined
      ? study.series.find((s) => s.seriesInstanceUid === uid)
      : reads.seriesOf(studyInstanceUid, uid);
  for await (const instance of reads.instances(studyInstanceUid, seriesInstanceUid)) {
    const s = await seriesOf(instance.seriesInstanceUid);
    if (s && checks.series(s) && checks.instance(instance)) yield { study, series: s, instance };
  }
}

async function* distinct<T>(source: AsyncIterable<T>, key: (item: T) => string): AsyncGenerator<T> {
  const seen = new Set<string>();
  for await (const item of source) {
    const k = key(item);
    if (seen.has(k)) continue;
    seen.add(k);
    yield item;
  }
}

function checksFor(filters: readonly Filter[]): Checks {
  const at = (level: string) => filters.filter((f) => f.attribute.level === level);
  const studyFilters = at('study');
  const seriesFilters = at('series');
  const instanceFilters = at('instance');
  return {
    study: (s) => studyFilters.every((f) => matchesFilter(f, studyValues(s, f.attribute.tag))),
    series: (s) =>
      seriesFilters.every((f) =>
        matchesFilter(
          f,
          f.attribute.tag === Tag.SeriesInstanceUID
            ? [s.seriesInstanceUid]
            : attributeValues(s.attributes, f.attribute.tag),
        ),
      ),
    instance: (i) =>
      instanceFilters.every((f) =>
        matchesFilter(
          f,
          f.attribute.tag === Tag.SOPInstanceUID ? [i.sopInstanceUid] : attributeValues(i.attributes, f.attribute.tag),
        ),
      ),
  };
}

function studyValues(study: StudySummary, tag: string): string[] {
  if (tag === Tag.StudyInstanceUID) return [study.studyInstanceUid];
  if (tag === Tag.ModalitiesInStudy) return [...study.modalities];
  return attributeValues(study.attributes, tag);
}
