/**
 * The fuzz storm (issue 13): at least 10,000 generated hostile requests (damaged Part 10 files,
 * broken multipart, huge value multiplicities, deflate bombs, bad UIDs, long wildcards, frame
 * lists, change-feed parameters: bench/fuzzRequests.ts) against the server as its own process on
 * an in-memory Azurite, a few at a time, while a worker thread polls `/health` every 50 ms and
 * samples the server's memory. Then every instance a STOW answer listed as stored is retrieved,
 * found by its SOP Instance UID and deleted.
 *
 *   npm run bench:fuzz -- [--bodies 10000] [--concurrency 4] [--seed 1]
 *
 * Exits non-zero if any bound fails: a 5xx or a dropped connection, server peak RSS ≥ 1 GiB,
 * `/health` slower than 200 ms or not 200, an accepted instance not retrievable, searchable or
 * deletable. The server's event-loop delay (DICOM_DIAG_EVENT_LOOP) is reported alongside.
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { newUid } from '../test/support/dicomFactory';
import { numberAtLeast } from './cliArgs';
import { fuzzRequest, type FuzzRequest } from './fuzzRequests';
import { send, storedInstances } from './hostileHttp';
import { readMemory } from './procfs';
import { startOurServer } from './servers';
import { EventLoopLog, percentile, ServerWatch } from './serverWatch';

interface Known {
  readonly study: string;
  readonly series: string;
  readonly instance: string;
}

const GiB_KIB = 1024 * 1024;
const HEALTH_BOUND_MS = 200;
const BATCH = 200;

/** The deployed request limits, not the bench's raised ones: the storm attacks the real configuration. */
const SERVER_ENV = {
  DICOM_MAX_REQUEST_BYTES: String(256 * 1024 * 1024),
  FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(300 * 1024 * 1024),
  DICOM_DIAG_EVENT_LOOP: '250',
};

function resolvePath(request: FuzzRequest, known: readonly Known[]): string {
  const target = known[request.pick % Math.max(1, known.length)];
  return request.path
    .replaceAll('{S}', target?.study ?? newUid())
    .replaceAll('{X}', target?.series ?? newUid())
    .replaceAll('{I}', target?.instance ?? newUid())
    .replaceAll('{U}', newUid());
}

function statusClass(status: number): string {
  return status === 0 ? 'network' : `${Math.floor(status / 100)}xx`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bodies: { type: 'string', default: '10000' },
      concurrency: { type: 'string', default: '4' },
      seed: { type: 'string', default: '1' },
    },
  });
  const total = Math.floor(numberAtLeast('bodies', values.bodies, 1));
  const concurrency = Math.floor(numberAtLeast('concurrency', values.concurrency, 1));
  const seed = Math.floor(numberAtLeast('seed', values.seed, 0));

  const eventLoop = new EventLoopLog();
  const server = await startOurServer({ apiVersion: 'v2', env: SERVER_ENV, onOutput: eventLoop.onLine });
  const root = server.base.replace(/\/v2$/, '');
  const failures: string[] = [];
  try {
    console.log(`fuzz storm: ${total} requests, ${concurrency} at a time, seed ${seed}; ${server.description}`);
    const before = readMemory(server.pid);
    const watch = new ServerWatch({
      healthUrl: `${root}/health`,
      pid: server.pid,
      healthEveryMs: 50,
      memoryEveryMs: 100,
    });
    const known: Known[] = [];
    const counts = new Map<string, Map<string, number>>();
    const fiveHundreds: string[] = [];
    /** [start, end, kind] of every request (epoch ms), to tell which kinds were in flight during a stall. */
    const flights: [number, number, string][] = [];
    let sent = 0;
    let bytesSent = 0;
    let queue: FuzzRequest[] = [];
    let batch = 0;
    const next = (): FuzzRequest | undefined => {
      if (sent >= total) return undefined;
      if (queue.length === 0) {
        queue = fc.sample(fuzzRequest, { numRuns: Math.min(BATCH, total - sent), seed: seed * 1_000_003 + batch });
        batch += 1;
      }
      sent += 1;
      return queue.shift();
    };
    const started = Date.now();
    const worker = async (): Promise<void> => {
      for (let request = next(); request; request = next()) {
        const path = resolvePath(request, known);
        bytesSent += request.body?.length ?? 0;
        const sentAt = Date.now();
        let status: number;
        try {
          const answer = await send(request.method, `${root}${path}`, { headers: request.headers, body: request.body });
          status = answer.status;
          if (request.method === 'POST' && status < 300) known.push(...storedInstances(answer.text));
          if (status >= 500)
            fiveHundreds.push(`${status} ${request.kind} ${path.slice(0, 120)}: ${answer.text.slice(0, 200)}`);
        } catch (error) {
          status = 0;
          fiveHundreds.push(`network ${request.kind} ${path.slice(0, 120)}: ${String(error)}`);
        }
        flights.push([sentAt, Date.now(), request.kind]);
        const byClass = counts.get(request.kind) ?? new Map<string, number>();
        const cls = statusClass(status);
        byClass.set(cls, (byClass.get(cls) ?? 0) + 1);
        counts.set(request.kind, byClass);
      }
    };
    const progress = setInterval(
      () => process.stdout.write(`  ${sent}/${total} sent, ${known.length} stored\n`),
      15_000,
    );
    let report;
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
    } finally {
      clearInterval(progress);
      report = await watch.stop();
    }
    const ended = Date.now();
    const seconds = (ended - started) / 1000;

    // Every accepted instance: retrievable, searchable, deletable (and gone afterwards).
    const verify = { retrieved: 0, found: 0, deleted: 0, gone: 0 };
    const problems: string[] = [];
    let index = 0;
    const verifier = async (): Promise<void> => {
      for (let k = known[index++]; k; k = known[index++]) {
        const path = `/v2/studies/${k.study}/series/${k.series}/instances/${k.instance}`;
        const got = await send('GET', `${root}${path}`, {
          headers: { Accept: 'application/dicom; transfer-syntax=*' },
        });
        if (got.status === 200 && got.bytes > 132) verify.retrieved += 1;
        else problems.push(`retrieve ${path}: ${got.status}`);
        const search = await send('GET', `${root}/v2/instances?SOPInstanceUID=${encodeURIComponent(k.instance)}`);
        if (search.status === 200 && search.text.includes(k.instance)) verify.found += 1;
        else problems.push(`search ${k.instance}: ${search.status}`);
        const deleted = await send('DELETE', `${root}${path}`);
        if (deleted.status === 204 || deleted.status === 200 || deleted.status === 202) verify.deleted += 1;
        else problems.push(`delete ${path}: ${deleted.status}`);
        const after = await send('GET', `${root}${path}`, {
          headers: { Accept: 'application/dicom; transfer-syntax=*' },
        });
        if (after.status === 404) verify.gone += 1;
        else problems.push(`after delete ${path}: ${after.status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, verifier));

    // ---- Report ----------------------------------------------------------------------------------
    const classes = ['2xx', '3xx', '4xx', '5xx', 'network'];
    console.log(`\n${'kind'.padEnd(32)}${['count', ...classes].map((c) => c.padStart(9)).join('')}`);
    const totals = new Map<string, number>();
    for (const [kind, byClass] of [...counts].sort()) {
      const n = [...byClass.values()].reduce((a, b) => a + b, 0);
      console.log(
        `${kind.padEnd(32)}${[n, ...classes.map((c) => byClass.get(c) ?? 0)].map((v) => String(v).padStart(9)).join('')}`,
      );
      for (const c of classes) totals.set(c, (totals.get(c) ?? 0) + (byClass.get(c) ?? 0));
    }
    console.log(
      `${'all'.padEnd(32)}${[sent, ...classes.map((c) => totals.get(c) ?? 0)].map((v) => String(v).padStart(9)).join('')}`,
    );

    const latencies = report.health.map(([, ms]) => ms);
    const healthBad = report.health.filter(([, , status]) => status !== 200).length;
    const peakRss = Math.max(0, ...report.memory.map((m) => m.rssKiB));
    const hwm = Math.max(0, ...report.memory.map((m) => m.hwmKiB));
    const loopMax = eventLoop.maxBetween(started, ended + 1500);
    const rows: [string, string, string, boolean][] = [
      [
        '5xx and dropped connections',
        String((totals.get('5xx') ?? 0) + (totals.get('network') ?? 0)),
        '0',
        fiveHundreds.length === 0,
      ],
      [
        'server peak RSS (VmHWM)',
        `${(hwm / 1024).toFixed(0)} MiB (sampled max ${(peakRss / 1024).toFixed(0)} MiB; ${((before?.rssKiB ?? 0) / 1024).toFixed(0)} MiB before)`,
        '< 1024 MiB',
        hwm < GiB_KIB,
      ],
      [
        '/health latency max',
        `${Math.max(0, ...latencies).toFixed(1)} ms`,
        `< ${HEALTH_BOUND_MS} ms`,
        Math.max(0, ...latencies) < HEALTH_BOUND_MS,
      ],
      [
        '/health latency p99 / p50',
        `${percentile(latencies, 99).toFixed(1)} / ${percentile(latencies, 50).toFixed(1)} ms (${latencies.length} polls)`,
        '',
        true,
      ],
      ['/health answers not 200', String(healthBad), '0', healthBad === 0],
      [
        'server event-loop delay max',
        `${loopMax.toFixed(1)} ms (DICOM_DIAG_EVENT_LOOP, 10 ms resolution included)`,
        '(100 ms per request: bench:hostile)',
        true,
      ],
      [
        'requests/s',
        `${(sent / seconds).toFixed(1)} (${sent} in ${seconds.toFixed(1)} s, ${(bytesSent / 1024 / 1024).toFixed(0)} MiB sent)`,
        '',
        true,
      ],
      ['accepted instances', String(known.length), '', true],
      [
        '  retrieved / found / deleted / 404 after',
        `${verify.retrieved} / ${verify.found} / ${verify.deleted} / ${verify.gone}`,
        `${known.length} each`,
        problems.length === 0,
      ],
    ];
    console.log(`\n${'figure'.padEnd(44)}${'measured'.padEnd(72)}${'bound'.padEnd(38)}ok`);
    for (const [name, value, bound, ok] of rows) {
      console.log(`${name.padEnd(44)}${value.padEnd(72)}${bound.padEnd(38)}${ok ? 'yes' : 'NO'}`);
      if (!ok) failures.push(name);
    }
    for (const line of [...fiveHundreds, ...problems].slice(0, 20)) console.log(`  ${line}`);
    reportStalls(report.health, eventLoop.intervals, flights, counts);
  } finally {
    await server.stop();
  }
  if (failures.length > 0) {
    console.log(`\nFAILED: ${failures.join(', ')}`);
    process.exitCode = 1;
  }
}

/**
 * Which kinds of request were in flight while `/health` took over 200 ms or the server's event
 * loop stalled over 100 ms: each kind's share of those windows against its share of all requests.
 */
function reportStalls(
  health: readonly [number, number, number][],
  loop: readonly [number, number][],
  flights: readonly [number, number, string][],
  counts: ReadonlyMap<string, ReadonlyMap<string, number>>,
): void {
  const windows: [number, number][] = [
    ...health.filter(([, ms]) => ms >= HEALTH_BOUND_MS).map(([at, ms]): [number, number] => [at, at + ms]),
    ...loop.filter(([, ms]) => ms > 100).map(([at]): [number, number] => [at - 250, at]),
  ];
  if (windows.length === 0) return;
  const inFlight = new Map<string, number>();
  for (const [from, to] of windows) {
    const kinds = new Set(flights.filter(([start, end]) => start <= to && end >= from).map(([, , kind]) => kind));
    for (const kind of kinds) inFlight.set(kind, (inFlight.get(kind) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce(
    (sum, byClass) => sum + [...byClass.values()].reduce((a, b) => a + b, 0),
    0,
  );
  console.log(`
In flight during the ${windows.length} stalls (/health >= ${HEALTH_BOUND_MS} ms, event loop > 100 ms):`);
  for (const [kind, n] of [...inFlight].sort((a, b) => b[1] - a[1])) {
    const share = [...(counts.get(kind)?.values() ?? [])].reduce((a, b) => a + b, 0) / total;
    console.log(
      `  ${kind.padEnd(32)} in ${n} of ${windows.length} (${((100 * n) / windows.length).toFixed(0)} %; ${(100 * share).toFixed(0)} % of all requests)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
