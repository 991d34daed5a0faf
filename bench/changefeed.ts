/**
 * Change-feed page latency at growing feed sizes, and the delete of a large study.
 *
 *   node dist/bench/changefeed.js [--sizes 1000,1000000] [--pages 30] [--study 5000]
 *
 * Entries are generated straight into the table (transactions of 100, 8 in flight). Each page is
 * read over HTTP with metadata (so every entry's instance is looked up) at the start, the middle
 * and the end of the feed, by v1 offset and by v2 time window (binary search), plus `latest`.
 */
import { parseArgs } from 'node:util';
import { integersAtLeast, numberAtLeast } from './cliArgs';
import { countStorageRequests } from './changefeedRequests';
import { eventTime, seedFeed } from './changefeedSeed';
import { startBenchServer, summarize } from './changefeedServer';
import { benchDeleteStudy } from './deleteStudy';

const PAGE_LIMIT = 100;

async function timePage(url: string, pages: number): Promise<string> {
  const samples: number[] = [];
  let requests = 0;
  for (let i = 0; i < pages; i += 1) {
    const start = performance.now();
    const counted = await countStorageRequests(async () => {
      const response = await fetch(url);
      const body = await response.text();
      if (response.status !== 200) throw new Error(`${url}: ${response.status} ${body}`);
    });
    samples.push(performance.now() - start);
    requests = counted;
  }
  const { p50, p95 } = summarize(samples);
  return `p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, ${requests} storage requests`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: '1000,1000000' },
      pages: { type: 'string', default: '30' },
      study: { type: 'string', default: '5000' },
    },
  });
  const sizes = integersAtLeast('sizes', values.sizes, 1);
  const pages = Math.floor(numberAtLeast('pages', values.pages, 1));
  const server = await startBenchServer();
  try {
    let seeded = 0;
    for (const size of sizes) {
      if (size <= seeded) continue;
      const start = performance.now();
      await seedFeed(seeded + 1, size);
      seeded = size;
      console.log(`\nfeed of ${size} entries (generated in ${((performance.now() - start) / 1000).toFixed(1)} s):`);
      const v1 = `${server.baseUrl}/v1/changefeed?limit=${PAGE_LIMIT}&offset=`;
      console.log(`  v1 page of 100, start   ${await timePage(`${v1}0`, pages)}`);
      console.log(`  v1 page of 100, middle  ${await timePage(`${v1}${Math.floor(size / 2)}`, pages)}`);
      console.log(`  v1 page of 100, end     ${await timePage(`${v1}${size - PAGE_LIMIT}`, pages)}`);
      const middle = eventTime(Math.floor(size / 2)).toISOString();
      const v2 = `${server.baseUrl}/v2/changefeed?limit=${PAGE_LIMIT}&startTime=${middle}`;
      console.log(`  v2 window page of 100   ${await timePage(v2, pages)}`);
      console.log(`  latest                  ${await timePage(`${server.baseUrl}/v2/changefeed/latest`, pages)}`);
    }
    const studySize = Math.floor(numberAtLeast('study', values.study, 1));
    // After the feed pages, so the pages are read from a feed of exactly the sizes asked for.
    if (studySize > 0) {
      const report = await benchDeleteStudy(server.baseUrl, studySize);
      console.log(
        `delete study of ${report.instances} instances (seeded in ${report.seedSeconds.toFixed(1)} s): ` +
          `${report.responseStatus} after ${report.responseSeconds.toFixed(2)} s (${report.responseRequests} storage requests), ` +
          `blobs and entities gone after ${report.finishedSeconds.toFixed(2)} s ` +
          `(left: ${report.entitiesLeft} entities, ${report.blobsLeft} blobs)`,
      );
    }
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
