/**
 * `npm run bench:search`: QIDO-RS search latency and cost at growing store sizes, ours and (with --orthanc) Orthanc.
 *
 *   node dist/bench/search.js [--instances 1000,100000] [--orthanc] [--skip-ours] [--repeat 30] [--warmup 3]
 *        [--concurrency 4] [--seed 1] [--shapes patientId,nameFuzzy,…] [--shape-seconds 60] [--timeout 120]
 *        [--api-version v2] [--orthanc-state-dir /dev/shm/orthanc] [--server-crash-log /tmp/server-crash.log]
 *        [--load stow|direct]
 *
 * `--load direct` writes our tables with the production code instead of STOW-RS (bench/searchSeed.ts):
 * STOW on Azurite slows down as the store grows (its change-feed partition and blob count), so
 * 100,000 instances take hours that way; Orthanc is always loaded by STOW.
 * For each size, one after the other and each on a freshly started server: a deterministic dataset of that many
 * small instances (about ten per study, see searchDataset.ts) is loaded by STOW-RS, one request per study,
 * `--concurrency` in flight; then every query shape (searchQueries.ts) is warmed up and run `--repeat` times,
 * one request at a time, with a value drawn from the loaded studies each time. Our server runs with
 * DICOM_SEARCH_COST_HEADER=true, and the `X-Search-Cost` header of each answer (table round trips and
 * entities read) is summarized next to the latency. Each answer's result count is compared with what the
 * dataset says a correct server returns.
 *
 * Prints a table per server and size, a side-by-side table at the end, then one JSON line
 * (starting with `{"bench":"search"`) for machines.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { integersAtLeast, numberAtLeast } from './cliArgs';
import { asError } from './httpPost';
import { deriveSeed, generateDataset, MODALITIES, Rng, studyFiles, type Dataset } from './searchDataset';
import { COST_HEADER, search, searchAgent, type SearchResponse } from './searchHttp';
import { resetConfig } from '../shared/config';
import { resetClients } from '../shared/storage/clients';
import { formatDuration, loadDataset, type LoadReport } from './searchLoad';
import { seedDirect } from './searchSeed';
import { QUERY_SHAPES, type QueryShape, type Target } from './searchQueries';
import { startOrthanc, startOurServer, type RunningServer } from './servers';
import { isAlive } from '../host/processAlive';

interface Options {
  readonly sizes: readonly number[];
  readonly orthanc: boolean;
  readonly ours: boolean;
  readonly repeat: number;
  readonly warmup: number;
  readonly concurrency: number;
  readonly seed: number;
  readonly shapes: readonly QueryShape[];
  readonly shapeSeconds: number;
  readonly timeoutMs: number;
  readonly apiVersion: string;
  readonly orthancStateDir: string | undefined;
  readonly serverCrashLog: string | undefined;
  /** `stow` (through the API) or `direct` (into our tables by the production code, see searchSeed.ts). */
  readonly load: 'stow' | 'direct';
}

interface CostSummary {
  readonly requestsMean: number;
  readonly requestsMax: number;
  readonly entitiesMean: number;
  readonly entitiesMax: number;
  /** Answers that carried a readable header, out of the successful ones. */
  readonly reported: number;
}

interface ShapeResult {
  readonly name: string;
  readonly title: string;
  readonly example: string;
  readonly note: string | null;
  readonly attempted: number;
  readonly ok: number;
  /** Status (or "network") → how many answers had it. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly meanResults: number | null;
  readonly meanExpected: number | null;
  readonly mismatches: number;
  readonly mismatchExample: string | null;
  readonly cost: CostSummary | null;
  readonly firstError: string | null;
  /** Why the measured phase did not run, or stopped before `repeat` requests. */
  readonly cutShort: string | null;
}

interface TargetRun {
  readonly size: number;
  readonly target: Target;
  readonly label: string;
  readonly description: string;
  readonly load: Omit<LoadReport, 'stored'> | null;
  readonly shapes: readonly ShapeResult[];
  readonly failure: string | null;
}

const running = new Set<RunningServer>();

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
}

const mean = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;

async function runShape(
  base: string,
  target: Target,
  shape: QueryShape,
  dataset: Dataset,
  studies: Dataset['studies'],
  options: Options,
): Promise<ShapeResult> {
  const agent = searchAgent(new URL(base));
  const warmRng = new Rng(deriveSeed(options.seed, dataset.instances, shape.name, 'warmup'));
  const rng = new Rng(deriveSeed(options.seed, dataset.instances, shape.name, 'measure'));
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const results: number[] = [];
  const expected: number[] = [];
  const requests: number[] = [];
  const entities: number[] = [];
  let mismatches = 0;
  let mismatchExample: string | null = null;
  let firstError: string | null = null;
  let cutShort: string | null = null;
  let attempted = 0;
  let costMissing = 0;
  let example = '';

  const send = async (path: string): Promise<SearchResponse | Error> => {
    try {
      return await search(new URL(`${base}${path}`), agent, options.timeoutMs);
    } catch (error) {
      return asError(error);
    }
  };
  try {
    let warmOk = 0;
    let warmError: string | null = null;
    for (let i = 0; i < options.warmup; i += 1) {
      const answer = await send(shape.draw(target, studies, warmRng).path);
      if (answer instanceof Error || answer.error !== null) {
        warmError ??= answer instanceof Error ? `network: ${answer.message}` : answer.error;
      } else {
        warmOk += 1;
      }
    }
    if (options.warmup >= 2 && warmOk === 0) {
      // Every warm-up request failed: measure nothing (a timing out shape would take minutes), report why.
      const query = shape.draw(target, studies, rng);
      return {
        name: shape.name,
        title: shape.title,
        example: query.path,
        note: target === 'orthanc' ? (shape.orthancNote ?? null) : null,
        attempted: 0,
        ok: 0,
        statuses: {},
        p50Ms: null,
        p95Ms: null,
        meanResults: null,
        meanExpected: null,
        mismatches: 0,
        mismatchExample: null,
        cost: null,
        firstError: warmError,
        cutShort: `not measured: all ${options.warmup} warm-up requests failed`,
      };
    }

    const started = performance.now();
    for (let i = 0; i < options.repeat; i += 1) {
      if (i > 0 && (performance.now() - started) / 1000 > options.shapeSeconds) {
        cutShort = `stopped after ${i} of ${options.repeat} requests: over the ${options.shapeSeconds} s budget`;
        break;
      }
      const query = shape.draw(target, studies, rng);
      if (i === 0) example = query.path;
      attempted += 1;
      const answer = await send(query.path);
      if (answer instanceof Error) {
        statuses.network = (statuses.network ?? 0) + 1;
        firstError ??= `network: ${answer.message}`;
        continue;
      }
      statuses[String(answer.status)] = (statuses[String(answer.status)] ?? 0) + 1;
      if (answer.error !== null || answer.results === null) {
        firstError ??= answer.error;
        continue;
      }
      latencies.push(answer.milliseconds);
      results.push(answer.results);
      if (query.expected !== null) {
        expected.push(query.expected);
        if (answer.results !== query.expected) {
          mismatches += 1;
          mismatchExample ??= `${query.path}: ${answer.results} results, expected ${query.expected}`;
        }
      }
      if (target === 'ours') {
        if (answer.cost) {
          requests.push(answer.cost.requests);
          entities.push(answer.cost.entities);
        } else {
          costMissing += 1;
          if (answer.rawCost !== null) firstError ??= `unreadable ${COST_HEADER}: "${answer.rawCost}"`;
        }
      }
    }
  } finally {
    agent.destroy();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const cost: CostSummary | null =
    requests.length === 0
      ? null
      : {
          requestsMean: mean(requests) ?? 0,
          requestsMax: Math.max(...requests),
          entitiesMean: mean(entities) ?? 0,
          entitiesMax: Math.max(...entities),
          reported: requests.length,
        };
  if (target === 'ours' && latencies.length > 0 && costMissing > 0) {
    firstError ??= `${costMissing} of ${latencies.length} answers had no ${COST_HEADER} header`;
  }
  return {
    name: shape.name,
    title: shape.title,
    example,
    note: target === 'orthanc' ? (shape.orthancNote ?? null) : null,
    attempted,
    ok: latencies.length,
    statuses,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    meanResults: mean(results),
    meanExpected: mean(expected),
    mismatches,
    mismatchExample,
    cost,
    firstError,
    cutShort,
  };
}

const fixed = (value: number | null | undefined, digits = 1): string => (value == null ? '-' : value.toFixed(digits));

function statusText(statuses: Readonly<Record<string, number>>): string {
  return Object.entries(statuses)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
}

function shapeTable(run: TargetRun): string {
  const lines: string[] = [];
  lines.push(
    `   ${'shape'.padEnd(38)} ${'ok/n'.padStart(6)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ` +
      `${'results'.padStart(8)} ${'expected'.padStart(8)}` +
      (run.target === 'ours' ? ` ${'requests mean/max'.padStart(18)} ${'entities mean/max'.padStart(18)}` : '') +
      '  statuses',
  );
  for (const shape of run.shapes) {
    const cost = shape.cost;
    lines.push(
      `   ${shape.title.padEnd(38)} ${`${shape.ok}/${shape.attempted}`.padStart(6)} ${fixed(shape.p50Ms).padStart(8)} ` +
        `${fixed(shape.p95Ms).padStart(8)} ${fixed(shape.meanResults).padStart(8)} ${fixed(shape.meanExpected).padStart(8)}` +
        (run.target === 'ours'
          ? ` ${(cost ? `${fixed(cost.requestsMean)}/${cost.requestsMax}` : '-').padStart(18)}` +
            ` ${(cost ? `${fixed(cost.entitiesMean)}/${cost.entitiesMax}` : '-').padStart(18)}`
          : '') +
        `  ${statusText(shape.statuses)}`,
    );
  }
  for (const shape of run.shapes) {
    const notes: string[] = [];
    if (shape.note) notes.push(shape.note);
    if (shape.cutShort) notes.push(shape.cutShort);
    if (shape.firstError) notes.push(`first failure: ${shape.firstError}`);
    if (Object.keys(shape.statuses).includes('404') && run.target === 'ours') {
      notes.push('HTTP 404: the search route is missing (QIDO-RS not implemented yet?)');
    }
    if (shape.mismatches > 0) {
      notes.push(
        `${shape.mismatches}/${shape.ok} answers differ from the expected count, e.g. ${shape.mismatchExample}`,
      );
    }
    if (shape.ok > 0 && shape.meanResults === 0 && shape.meanExpected !== 0) {
      notes.push('no results at all: every query should have matched');
    }
    for (const note of notes) lines.push(`   ! ${shape.title}: ${note}`);
    if (notes.length > 0 && shape.example) lines.push(`     e.g. GET ${shape.example}`);
  }
  return lines.join('\n');
}

function loadMode(text: string): 'stow' | 'direct' {
  if (text === 'stow' || text === 'direct') return text;
  throw new Error(`--load wants stow or direct, not "${text}"`);
}

/** Seeds our server's storage in this process (Orthanc is always loaded by STOW). */
async function loadDirect(server: RunningServer, dataset: Dataset): Promise<LoadReport> {
  if (!server.storageConnectionString) throw new Error('--load direct needs the server to expose its storage');
  process.env.DICOM_STORAGE_CONNECTION_STRING = server.storageConnectionString;
  // This process only writes storage; it serves nothing, so it needs no auth settings.
  process.env.AUTH_ENABLED = 'false';
  resetConfig();
  resetClients();
  let lastPrint = performance.now();
  const report = await seedDirect(dataset, (studies, instances) => {
    if (performance.now() - lastPrint < 10_000) return;
    lastPrint = performance.now();
    console.log(`   seeding: ${instances.toLocaleString('en-US')} instances (${studies} studies)`);
  });
  return {
    studies: dataset.studies.length,
    storedStudies: report.studies,
    storedInstances: report.instances,
    failedStudies: 0,
    seconds: report.seconds,
    instancesPerSecond: report.instances / report.seconds,
    studiesPerSecond: report.studies / report.seconds,
    requestBytes: 0,
    failures: [],
    abandoned: null,
    stored: new Uint8Array(dataset.studies.length).fill(1),
  };
}

async function startTarget(target: Target, options: Options): Promise<RunningServer> {
  if (target === 'ours') {
    // startOurServer passes this process's environment on to the server it spawns.
    process.env.DICOM_SEARCH_COST_HEADER = 'true';
    if (options.serverCrashLog) {
      // Inherited by the server (and its Azurite): logs why it died, since its own output is not kept.
      process.env.SEARCH_BENCH_CRASH_LOG = path.resolve(options.serverCrashLog);
      process.env.NODE_OPTIONS = `--require ${path.join(__dirname, 'searchCrashLog.js')}`;
    }
    return startOurServer({ apiVersion: options.apiVersion });
  }
  return startOrthanc({ stateDir: options.orthancStateDir });
}

async function benchTarget(target: Target, dataset: Dataset, options: Options): Promise<TargetRun> {
  const size = dataset.instances;
  console.log(`\n== ${target}, ${size.toLocaleString('en-US')} instances: starting`);
  let server: RunningServer;
  try {
    server = await startTarget(target, options);
  } catch (error) {
    const failure = `did not start: ${asError(error).message}`;
    console.log(`== ${target} ${failure}`);
    return { size, target, label: target, description: '', load: null, shapes: [], failure };
  }
  running.add(server);
  try {
    const direct = target === 'ours' && options.load === 'direct';
    console.log(
      `== ${server.label}: ${server.description}\n   ${direct ? 'seeded directly (bench/searchSeed.ts)' : `STOW to ${server.base}/studies`}`,
    );
    const load = direct
      ? await loadDirect(server, dataset)
      : await loadDataset(server.base, dataset, {
          concurrency: options.concurrency,
          timeoutMs: options.timeoutMs,
          progress: (line) => console.log(line),
          serverAlive: () => isAlive(server.pid),
        });
    const { stored, ...loadSummary } = load;
    console.log(
      `   load rate: ${load.instancesPerSecond.toFixed(0)} instances/s, ${load.studiesPerSecond.toFixed(1)} studies/s ` +
        `(${options.concurrency} requests in flight, ${(load.requestBytes / 1e6).toFixed(1)} MB sent)`,
    );
    for (const failure of load.failures) console.log(`   ! load failure: ${failure}`);
    if (load.storedStudies === 0 || load.abandoned !== null) {
      return {
        size,
        target,
        label: server.label,
        description: server.description,
        load: loadSummary,
        shapes: [],
        failure:
          `load ${load.abandoned !== null ? `abandoned (${load.abandoned})` : 'stored no study'} after ` +
          `${load.storedInstances} instances; first failure: ${load.failures[0] ?? '?'}`,
      };
    }
    if (load.failedStudies > 0) {
      console.log(`   ! ${load.failedStudies} studies failed to store: queries draw from the stored ones only`);
    }
    const studies = dataset.studies.filter((study) => stored[study.index] === 1);
    const shapes: ShapeResult[] = [];
    for (const shape of options.shapes) {
      const result = await runShape(server.base, target, shape, dataset, studies, options);
      shapes.push(result);
      console.log(
        `   ${shape.title.padEnd(38)} p50 ${fixed(result.p50Ms)} ms, p95 ${fixed(result.p95Ms)} ms, ` +
          `${result.ok}/${result.attempted} ok${result.ok < result.attempted ? ` (${statusText(result.statuses)})` : ''}` +
          (result.cost ? `, entities ${fixed(result.cost.entitiesMean)}` : '') +
          (result.cutShort ? ` [${result.cutShort}]` : ''),
      );
    }
    const run: TargetRun = {
      size,
      target,
      label: server.label,
      description: server.description,
      load: loadSummary,
      shapes,
      failure: isAlive(server.pid) ? null : 'the server process exited during the queries',
    };
    if (run.failure) console.log(`   ! ${run.failure}`);
    console.log(`\n== ${server.label}, ${size.toLocaleString('en-US')} instances (${studies.length} studies):`);
    console.log(shapeTable(run));
    return run;
  } finally {
    running.delete(server);
    await server.stop();
  }
}

function sideBySide(runs: readonly TargetRun[], options: Options): string {
  const sizes = options.sizes;
  const targets: Target[] = [
    ...(options.ours ? (['ours'] as const) : []),
    ...(options.orthanc ? (['orthanc'] as const) : []),
  ];
  const find = (size: number, target: Target, shape: string): ShapeResult | undefined =>
    runs.find((run) => run.size === size && run.target === target)?.shapes.find((s) => s.name === shape);
  const cellWidth = 22;
  const cell = (result: ShapeResult | undefined): string => {
    if (!result) return '-';
    if (result.ok === 0) {
      const statuses = statusText(result.statuses);
      return statuses ? `FAIL ${statuses}` : 'FAIL (warm-up)';
    }
    const flag = result.mismatches > 0 ? '!' : '';
    return `${fixed(result.p50Ms)}/${fixed(result.p95Ms)}${flag}`;
  };
  const header = [
    'shape'.padEnd(38),
    ...sizes.flatMap((size) => targets.map((t) => `${t} ${formatCount(size)} p50/p95`.padEnd(cellWidth))),
  ];
  const nMin = Math.min(...sizes);
  const nMax = Math.max(...sizes);
  const scaled = options.ours && sizes.length > 1;
  if (scaled) header.push(`ours p95 ${formatCount(nMax)}/${formatCount(nMin)}`.padEnd(20), 'ours entities mean');
  const lines = [header.join(' ')];
  for (const shape of options.shapes) {
    const row = [
      shape.title.padEnd(38),
      ...sizes.flatMap((size) => targets.map((t) => cell(find(size, t, shape.name)).padEnd(cellWidth))),
    ];
    if (scaled) {
      const small = find(nMin, 'ours', shape.name);
      const large = find(nMax, 'ours', shape.name);
      const ratio =
        small?.p95Ms != null && large?.p95Ms != null && small.p95Ms > 0
          ? `×${(large.p95Ms / small.p95Ms).toFixed(1)}`
          : '-';
      const entities = sizes.map((size) => fixed(find(size, 'ours', shape.name)?.cost?.entitiesMean)).join(' → ');
      row.push(ratio.padEnd(20), entities);
    }
    lines.push(row.join(' ').trimEnd());
  }
  lines.push('latency in ms, one request at a time; "!" = some result counts differ from what the dataset expects');
  for (const shape of options.shapes) {
    if (options.orthanc && shape.orthancNote) lines.push(`${shape.title}: ${shape.orthancNote}`);
  }
  lines.push('load rates (instances/s):');
  for (const run of runs) {
    lines.push(
      `  ${run.label} ${formatCount(run.size)}: ` +
        (run.load
          ? `${run.load.instancesPerSecond.toFixed(0)} instances/s, ${run.load.storedInstances} stored in ${formatDuration(run.load.seconds)}` +
            (run.load.failedStudies > 0 ? `, ${run.load.failedStudies} studies failed` : '')
          : '-') +
        (run.failure ? `; ${run.failure.split('\n')[0] ?? ''}` : ''),
    );
  }
  return lines.join('\n');
}

function formatCount(n: number): string {
  if (n >= 1000 && n % 1000 === 0) return `${n / 1000}k`;
  return String(n);
}

function describeDataset(dataset: Dataset): string {
  const modalities = new Map<string, number>(MODALITIES.map((m) => [m, 0]));
  for (const study of dataset.studies) {
    for (const series of study.series) modalities.set(series.modality, (modalities.get(series.modality) ?? 0) + 1);
  }
  const first = dataset.studies[0];
  const sample = first ? studyFiles(dataset.seed, first) : [];
  const bytes = sample.reduce((sum, file) => sum + file.length, 0) / Math.max(sample.length, 1);
  return (
    `${dataset.instances.toLocaleString('en-US')} instances, ${dataset.studies.length.toLocaleString('en-US')} studies, ` +
    `${dataset.series.toLocaleString('en-US')} series, ${dataset.patients.toLocaleString('en-US')} patients, ` +
    `~${bytes.toFixed(0)} bytes per instance (no pixel data); series by modality: ` +
    [...modalities].map(([m, n]) => `${m} ${n}`).join(', ')
  );
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      instances: { type: 'string', default: '1000,100000' },
      orthanc: { type: 'boolean', default: false },
      'skip-ours': { type: 'boolean', default: false },
      repeat: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '4' },
      seed: { type: 'string', default: '1' },
      shapes: { type: 'string' },
      'shape-seconds': { type: 'string', default: '60' },
      timeout: { type: 'string', default: '120' },
      'api-version': { type: 'string', default: 'v2' },
      'orthanc-state-dir': { type: 'string' },
      'server-crash-log': { type: 'string' },
      load: { type: 'string', default: 'stow' },
    },
    strict: true,
  });
  const sizes = integersAtLeast('instances', values.instances, 1);
  let shapes = QUERY_SHAPES;
  if (values.shapes) {
    const wanted = values.shapes.split(',').map((s) => s.trim());
    const unknown = wanted.filter((name) => !QUERY_SHAPES.some((shape) => shape.name === name));
    if (unknown.length > 0) {
      throw new Error(`unknown shape(s) ${unknown.join(', ')}; known: ${QUERY_SHAPES.map((s) => s.name).join(', ')}`);
    }
    shapes = QUERY_SHAPES.filter((shape) => wanted.includes(shape.name));
  }
  if (!/^v\d+$/.test(values['api-version'])) throw new Error('--api-version wants v1 or v2');
  const options: Options = {
    sizes,
    orthanc: values.orthanc,
    ours: !values['skip-ours'],
    repeat: Math.floor(numberAtLeast('repeat', values.repeat, 1)),
    warmup: Math.floor(numberAtLeast('warmup', values.warmup, 0)),
    concurrency: Math.floor(numberAtLeast('concurrency', values.concurrency, 1)),
    seed: Math.floor(numberAtLeast('seed', values.seed, 0)),
    shapes,
    shapeSeconds: numberAtLeast('shape-seconds', values['shape-seconds'], 1),
    timeoutMs: numberAtLeast('timeout', values.timeout, 1) * 1000,
    apiVersion: values['api-version'],
    orthancStateDir: values['orthanc-state-dir'],
    serverCrashLog: values['server-crash-log'],
    load: loadMode(values.load),
  };
  if (!options.ours && !options.orthanc) throw new Error('nothing to run: --skip-ours without --orthanc');
  return options;
}

async function main(): Promise<void> {
  const options = parseOptions();
  process.once('SIGINT', () => {
    console.log('\ninterrupted; stopping servers');
    void Promise.allSettled([...running].map((server) => server.stop())).then(() => process.exit(130));
  });
  const runs: TargetRun[] = [];
  for (const size of options.sizes) {
    const generated = performance.now();
    const dataset = generateDataset(size, options.seed);
    console.log(
      `\n==== ${size.toLocaleString('en-US')} instances (seed ${options.seed}, planned in ` +
        `${((performance.now() - generated) / 1000).toFixed(1)} s): ${describeDataset(dataset)}`,
    );
    if (options.ours) runs.push(await benchTarget('ours', dataset, options));
    if (options.orthanc) runs.push(await benchTarget('orthanc', dataset, options));
  }
  console.log(
    `\n==== QIDO-RS search, ${options.repeat} requests per shape after ${options.warmup} warm-up, ` +
      `one at a time; client and server share this machine`,
  );
  const described = new Set<string>();
  for (const run of runs) {
    if (!run.description || described.has(run.label)) continue;
    described.add(run.label);
    console.log(`  ${run.label}: ${run.description.replace(/ \(pid \d+[^)]*\)|\(pid \d+\)/, '')}`);
  }
  console.log(sideBySide(runs, options));
  console.log(
    JSON.stringify({
      bench: 'search',
      options: { ...options, shapes: options.shapes.map((shape) => shape.name) },
      runs,
    }),
  );
  if (runs.some((run) => run.failure !== null || run.shapes.some((shape) => shape.ok === 0))) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(asError(error).message);
  process.exitCode = 1;
});
