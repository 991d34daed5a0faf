/**
 * Extended query tags at scale (docs/extended-query-tags.md):
 *
 * 1. the reindex crash run (test/support/reindexCrash.ts) with --count instances (10,000 by
 *    default): npm start's server killed with SIGKILL at a third and two thirds of the walk, then
 *    every instance checked to be indexed exactly once and every invalid value counted once;
 * 2. reindex throughput: one more tag (IssuerOfPatientID, study level) added to the same store,
 *    timed from the walk's start (the POST plus the staleness wait) to the tag being ready;
 * 3. QIDO on that tag beside the same query on the built-in PatientID (both hold the same value,
 *    matching 1/50 of the studies): table reads per result (X-Search-Cost) and time per page.
 *
 *   node dist/bench/eqt.js [--count 10000] [--pages 20]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { stopPersistentAzurite } from '../host/persistentAzurite';
import { STORE_STALENESS_MS } from '../shared/extendedQueryTags/tagCache';
import { isolatedEnv } from '../test/support/startCrash';
import { ERROR_EVERY, ISSUER_TAG, patientOf, reindexCrashRun, stopServer } from '../test/support/reindexCrash';
import { numberAtLeast } from './cliArgs';

const START = path.resolve(__dirname, '..', 'host', 'start.js');

interface QueryFigures {
  readonly query: string;
  readonly results: number;
  readonly readsPerResult: number;
  readonly entitiesPerResult: number;
  readonly msPerPage: number;
}

async function measureQuery(baseUrl: string, query: (i: number) => string, pages: number): Promise<QueryFigures> {
  let results = 0;
  let requests = 0;
  let entities = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < pages; i++) {
    const reply = await fetch(`${baseUrl}${query(i)}`, { headers: { Accept: 'application/dicom+json' } });
    const cost = /requests=(\d+); entities=(\d+)/.exec(reply.headers.get('x-search-cost') ?? '');
    if (reply.status !== 200 || !cost) throw new Error(`${query(i)}: ${reply.status} ${await reply.text()}`);
    results += ((await reply.json()) as unknown[]).length;
    requests += Number(cost[1]);
    entities += Number(cost[2]);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    query: query(0),
    results,
    readsPerResult: requests / results,
    entitiesPerResult: entities / results,
    msPerPage: ms / pages,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string' }, pages: { type: 'string' } } });
  const count = numberAtLeast('count', values.count ?? '10000', 1000);
  const pages = numberAtLeast('pages', values.pages ?? '20', 1);
  const location = await mkdtemp(path.join(tmpdir(), 'eqt-bench-'));
  const env = { ...isolatedEnv(path.join(location, 'azurite')), DICOM_SEARCH_COST_HEADER: 'true' };
  try {
    const outcome = await reindexCrashRun({ start: START, env, count, killAt: [1 / 3, 2 / 3], log: console.log });
    const once = [...outcome.indexEntriesPerInstance.values()].filter((n) => n === 1).length;
    const valueOnce = [...outcome.valueRowsPerInstance.values()].filter((n) => n === 1).length;
    console.log(
      `crash run: ${count} instances; kills after ${outcome.kills.map((k) => k.indexedBefore).join(' and ')} indexed; ` +
        `indexed exactly once: ${once}/${count} (index entries), ${valueOnce}/${count} (value rows); ` +
        `errors ${outcome.dateTag?.errors?.count ?? 0} (expected ${Math.floor(count / ERROR_EVERY)}), ` +
        `error rows ${outcome.errorRows}; QIDO sample ${outcome.sampleFound}/${outcome.sampleSize}; ` +
        `load ${outcome.loadSeconds.toFixed(1)} s (${(count / outcome.loadSeconds).toFixed(0)} instances/s)`,
    );
    const ok =
      once === count &&
      valueOnce === count &&
      outcome.indexEntriesPerInstance.size === count &&
      outcome.errorRows === Math.floor(count / ERROR_EVERY) &&
      outcome.sampleFound === outcome.sampleSize;
    const baseUrl = outcome.server.baseUrl;

    const posted = Date.now();
    const reply = await fetch(`${baseUrl}/v2/extendedquerytags`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ path: ISSUER_TAG, level: 'Study' }]),
    });
    if (reply.status !== 202) throw new Error(`POST answered ${reply.status}: ${await reply.text()}`);
    for (;;) {
      const tag = (await (await fetch(`${baseUrl}/v2/extendedquerytags/${ISSUER_TAG}`)).json()) as { status: string };
      if (tag.status === 'ready') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const walkSeconds = (Date.now() - posted - STORE_STALENESS_MS) / 1000;
    console.log(
      `reindex throughput: ${count} instances in ${walkSeconds.toFixed(1)} s of walk = ` +
        `${(count / walkSeconds).toFixed(0)} instances/s (one step of 250 instances at a time, one worker)`,
    );

    const builtIn = await measureQuery(baseUrl, (i) => `/v2/studies?PatientID=${patientOf(i)}&limit=100`, pages);
    const extended = await measureQuery(baseUrl, (i) => `/v2/studies?${ISSUER_TAG}=${patientOf(i)}&limit=100`, pages);
    for (const f of [builtIn, extended]) {
      console.log(
        `${f.query.padEnd(40)} ${f.results} results over ${pages} pages: ${f.readsPerResult.toFixed(2)} reads/result, ` +
          `${f.entitiesPerResult.toFixed(2)} entities/result, ${f.msPerPage.toFixed(0)} ms/page`,
      );
    }
    await stopServer(outcome.server);
    if (!ok) {
      console.error('FAILED: an instance was not indexed exactly once, or errors were miscounted.');
      process.exitCode = 1;
    }
  } finally {
    await stopPersistentAzurite(path.join(location, 'azurite'));
    await rm(location, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
